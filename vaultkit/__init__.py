"""vaultkit: a personal CRM for informational interviews, kept as Markdown notes."""

__version__ = "0.1.0"
