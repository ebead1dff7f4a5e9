from openccc_tui.cli import main

raise SystemExit(main())
