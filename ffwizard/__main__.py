from ffwizard.cli import main

raise SystemExit(main())
