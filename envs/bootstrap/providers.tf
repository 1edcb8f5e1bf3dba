provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project    = var.project
      managed-by = "terraform"
      purpose    = "account-bootstrap"
    }
  }
}
