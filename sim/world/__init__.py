"""The world a replication runs in: calendar, random streams, distributions and arrival sampling."""
