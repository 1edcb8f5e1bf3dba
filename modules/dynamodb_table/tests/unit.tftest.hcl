mock_provider "aws" {
  source          = "../../mocks/aws" # the published mocks; the blocks below override them for this module
  override_during = plan              # the mocks' values are known at plan: no run needs an apply (nor its teardown)

  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
      stream_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"
    }
  }
}

variables {
  name = "orders"
}

run "defaults_are_safe_for_production" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST" && aws_dynamodb_table.this.read_capacity != var.read_capacity
    error_message = "On-demand billing with no provisioned capacity is the default."
  }
  assert {
    condition     = aws_dynamodb_table.this.stream_enabled && aws_dynamodb_table.this.stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "The stream is on with old and new images by default (the stream consumers need both)."
  }
  assert {
    condition     = aws_dynamodb_table.this.point_in_time_recovery[0].enabled && aws_dynamodb_table.this.deletion_protection_enabled
    error_message = "PITR and deletion protection are on by default."
  }
  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].enabled == false && length(aws_dynamodb_table.this.ttl) == 0
    error_message = "Without a customer key the AWS-owned key encrypts; TTL is off unless asked for."
  }
  assert {
    condition     = [for a in aws_dynamodb_table.this.attribute : "${a.name}:${a.type}"] == ["id:S"]
    error_message = "Only the hash key is declared, as a string."
  }
  assert {
    condition     = output.stream_arn == "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000" && output.table_name == "orders"
    error_message = "Outputs carry the table name and stream ARN."
  }
}

run "provisioned_table_with_index_ttl_and_customer_key" {
  command = plan

  variables {
    billing_mode   = "PROVISIONED"
    read_capacity  = 10
    write_capacity = 4
    range_key      = "createdAt"
    attributes     = { createdAt = "S", amount = "N" }
    global_secondary_indexes = {
      by_status = { hash_key = "status", range_key = "amount", projection_type = "INCLUDE", non_key_attributes = ["name"], read_capacity = 2 }
    }
    kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    ttl_attribute       = "expiresAt"
    stream_view_type    = null
    deletion_protection = false
  }

  assert {
    condition     = aws_dynamodb_table.this.read_capacity == 10 && aws_dynamodb_table.this.write_capacity == 4
    error_message = "Provisioned capacity is passed through."
  }
  assert {
    condition     = { for a in aws_dynamodb_table.this.attribute : a.name => a.type } == { id = "S", createdAt = "S", status = "S", amount = "N" }
    error_message = "Every key attribute (table and index) is declared once, with the declared type winning."
  }
  assert {
    condition = anytrue([for i in aws_dynamodb_table.this.global_secondary_index :
    i.name == "by_status" && i.read_capacity == 2 && i.write_capacity == 4 && i.non_key_attributes == toset(["name"])])
    error_message = "Index capacity falls back to the table's; INCLUDE keeps its attributes."
  }
  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].kms_key_arn == var.kms_key_arn && one(aws_dynamodb_table.this.ttl).attribute_name == "expiresAt"
    error_message = "Customer key and TTL attribute are applied."
  }
  assert {
    condition     = aws_dynamodb_table.this.stream_enabled == false && output.stream_arn == null
    error_message = "stream_view_type = null turns the stream off and the output says so."
  }
}

run "rejects_invalid_inputs_naming_each_variable" {
  command = plan
  variables {
    name             = "no spaces allowed"
    billing_mode     = "ON_DEMAND"
    stream_view_type = "EVERYTHING"
    attributes       = { id = "M" }
    kms_key_arn      = "alias/mine"
    read_capacity    = 1.5
    write_capacity   = 0
    hash_key         = ""
    range_key        = ""
  }
  expect_failures = [
    var.name, var.billing_mode, var.stream_view_type, var.attributes, var.kms_key_arn, var.read_capacity,
    var.write_capacity, var.hash_key, var.range_key,
  ]
}

run "rejects_invalid_indexes" {
  command = plan
  variables {
    global_secondary_indexes = merge(
      { for n in range(21) : "index_${n}" => { hash_key = "k${n}" } },
      { bad_projection = { hash_key = "a", projection_type = "SOME" } },
      { stray_attributes = { hash_key = "b", projection_type = "ALL", non_key_attributes = ["x"] } },
    )
  }
  expect_failures = [var.global_secondary_indexes]
}

run "rejects_attribute_that_is_not_a_key" {
  command = plan
  variables {
    attributes = { colour = "S" }
  }
  expect_failures = [aws_dynamodb_table.this]
}
