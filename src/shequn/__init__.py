"""shequn: the community-operations playbook as software, on an event log."""

__version__ = "0.1.0"
