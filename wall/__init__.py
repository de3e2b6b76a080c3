"""The Guangdong government-cloud wall ("全省一片云").

Its packages are its layers, each importing only the ones below it (import-linter keeps it so,
see [tool.importlinter] in pyproject.toml):

    wall.cli, wall.demo, wall.checkconfig   the command line and the demo: assemble everything
    wall.web        the Dash app: factory, access, health, pages, panels
    wall.bulletin   evaluation bulletins: the model, one `make`, one module per format
    wall.read       what the screens, pages and bulletins show: queries, view models, verdicts
    wall.store | wall.state   metrics (InfluxDB or embedded) | the app's own database
    wall.core       schema-free basics: settings, config files, the plan, China time, formats

collectors/ (sources → samples) reaches only wall.core and wall.store; geo/ nothing of the wall.
"""
