from matrixgen.cli import main

main()
