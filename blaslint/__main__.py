from blaslint.cli import main

raise SystemExit(main())
