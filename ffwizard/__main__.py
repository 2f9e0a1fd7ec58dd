from ffwizard.cli import run

run()
