"""What users read: terminal tables now; figures and reports read stored results, never a live model."""
