# State on disk next to this file (git-ignored): LocalStack is disposable, and so is its state.
terraform {
  backend "local" {
    path = "terraform.tfstate"
  }
}
