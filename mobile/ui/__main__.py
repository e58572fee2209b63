from mobile.ui.main import main

main()
