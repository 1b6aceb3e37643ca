from cslib.cli import main

main()
