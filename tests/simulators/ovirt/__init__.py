"""A simulated oVirt engine (HTTPS, SSO, REST API answered with the SDK's own XML) for the tests."""

from .server import OvirtEngineSimulator

__all__ = ['OvirtEngineSimulator']
