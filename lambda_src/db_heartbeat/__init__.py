"""Replication heartbeat: commits a transaction on the primary so replicas' ReplicaLag stays honest."""
