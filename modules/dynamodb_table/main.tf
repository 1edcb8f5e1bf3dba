locals {
  provisioned = var.billing_mode == "PROVISIONED"
  # Every key attribute must be declared exactly once; undeclared hash keys default to strings.
  key_attributes = merge(
    { (var.hash_key) = "S" },
    var.range_key == null ? {} : { (var.range_key) = lookup(var.attributes, var.range_key, "S") },
    merge([for i in values(var.global_secondary_indexes) : merge(
      { (i.hash_key) = "S" },
      i.range_key == null ? {} : { (i.range_key) = "S" },
    )]...),
    var.attributes,
  )
}

resource "aws_dynamodb_table" "this" {
  #checkov:skip=CKV_AWS_119:The table is encrypted at rest with DynamoDB's AWS owned key; a customer managed key is not yet an input of this module
  #checkov:skip=CKV_AWS_28:Point-in-time recovery is the caller's var.point_in_time_recovery, on by default; only dev and local turn it off
  name                        = var.name
  billing_mode                = var.billing_mode
  hash_key                    = var.hash_key
  range_key                   = var.range_key
  read_capacity               = local.provisioned ? var.read_capacity : null
  write_capacity              = local.provisioned ? var.write_capacity : null
  stream_enabled              = var.stream_view_type != null
  stream_view_type            = var.stream_view_type
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = local.key_attributes
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = var.global_secondary_indexes
    content {
      name               = global_secondary_index.key
      hash_key           = global_secondary_index.value.hash_key
      range_key          = global_secondary_index.value.range_key
      projection_type    = global_secondary_index.value.projection_type
      non_key_attributes = global_secondary_index.value.projection_type == "INCLUDE" ? global_secondary_index.value.non_key_attributes : null
      read_capacity      = local.provisioned ? coalesce(global_secondary_index.value.read_capacity, var.read_capacity) : null
      write_capacity     = local.provisioned ? coalesce(global_secondary_index.value.write_capacity, var.write_capacity) : null
    }
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = var.kms_key_arn != null
    kms_key_arn = var.kms_key_arn
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute == null ? [] : [var.ttl_attribute]
    content {
      enabled        = true
      attribute_name = ttl.value
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = alltrue([for k in keys(var.attributes) : contains(concat([var.hash_key], compact([var.range_key]), flatten([for i in values(var.global_secondary_indexes) : compact([i.hash_key, i.range_key])])), k)])
      error_message = "attributes may only declare key attributes (hash_key, range_key or an index key): DynamoDB rejects unused attribute definitions."
    }
  }
}
