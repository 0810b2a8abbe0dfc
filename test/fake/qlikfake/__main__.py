from qlikfake.main import main

main()
