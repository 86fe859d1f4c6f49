"""`python -m workbench` runs the command line, as the installed `workbench` command does."""

from workbench._entry import main

if __name__ == "__main__":
    main()
