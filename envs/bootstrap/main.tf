# Once per AWS account and region, before the first environment: what every environment of the region
# shares and none may own (see envs/README.md, "First apply on a fresh account"). Its state sits in the
# environment's state bucket under bootstrap/<region>/terraform.tfstate.
module "api_gateway_account" {
  source = "../../modules/api_gateway_account"
}
