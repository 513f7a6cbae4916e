"""A test double of the PureBoot server (REST contract in docs/pureboot-server.md), for this collection's tests."""
