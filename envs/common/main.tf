# Every environment root links to the files of envs/common: environments differ only in terraform.tfvars
# (and envs/local in its provider and backend, for LocalStack).
module "stack" {
  source = "../../modules/stack"

  name            = "${var.project}-${var.environment}"
  environment     = var.environment
  lambda_packages = var.lambda_packages
  settings        = var.settings
}
