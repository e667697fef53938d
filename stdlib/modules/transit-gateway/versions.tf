# Provider and Terraform constraints. No provider block here: the caller
# (a generated Terragrunt unit or root module) configures the provider.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
  }
}
