"""One replication on a ``simpy.Environment``: offices, their queues and clerks, and the records they leave."""
