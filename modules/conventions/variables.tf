# No inputs: this module only publishes shared values (see main.tf).
