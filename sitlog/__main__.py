from sitlog.cli import main

main()
