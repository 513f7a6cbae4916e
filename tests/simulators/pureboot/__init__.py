"""A test double of the PureBoot server (REST contract in pureboot-api.md), for this collection's tests."""
