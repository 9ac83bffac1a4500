"""Example configs, scripts and the quickstart notebook; the configs ship as psc_fem.examples (psc_fem.example_config)."""
