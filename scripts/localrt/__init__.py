"""Local runtime pieces: Terraform-rendered definitions, API Gateway (REST) and synchronous Step Functions
emulation on top of moto. Tests use them now; `make local` will serve them on localhost."""
