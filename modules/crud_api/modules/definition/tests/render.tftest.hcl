variables {
  api_name          = "orders-api"
  region            = "eu-west-1"
  collection        = "orders"
  item_schema       = { type = "object", required = ["name"], properties = { name = { type = "string" }, status = { type = "string", default = "NEW" } } }
  max_page_size     = 50
  default_page_size = 10
  max_body_chars    = 1024
  authorization     = "NONE"
  table_name        = "orders-table"
  cursor_salt       = "salt"
  state_machine_arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-crud"
  api_role_arn      = "arn:aws:iam::123456789012:role/orders-crud-apigw"
}

run "renders_the_asl_for_one_table" {
  command = apply

  assert {
    condition     = toset([for s in values(jsondecode(output.asl_definition).States) : s.Parameters.TableName if can(s.Parameters.TableName)]) == toset(["orders-table"])
    error_message = "Every DynamoDB task targets the given table."
  }
  assert {
    condition     = jsondecode(output.asl_definition).States.CheckLimit.Choices[0].Or[1].NumericGreaterThan == 50 && output.item_defaults == { status = "NEW" }
    error_message = "The page limit and the schema's defaults reach the ASL."
  }
  assert {
    condition     = !strcontains(output.asl_definition, "$${")
    error_message = "No template placeholder is left unrendered."
  }
}

run "renders_the_openapi_document" {
  command = apply

  assert {
    condition     = keys(jsondecode(output.openapi_body).paths) == ["/orders", "/orders/{id}"] && jsondecode(output.openapi_body).info.title == "orders-api"
    error_message = "Paths follow the collection."
  }
  assert {
    condition     = jsondecode(output.openapi_body).components.schemas.ItemInput.not.anyOf == [{ required = ["id"] }, { required = ["version"] }, { required = ["createdAt"] }, { required = ["updatedAt"] }]
    error_message = "The request model refuses every server-owned field."
  }
  assert {
    condition     = strcontains(jsondecode(output.openapi_body).paths["/orders"].post["x-amazon-apigateway-integration"].requestTemplates["application/json"], "$input.body.length() > 1024")
    error_message = "The create template enforces max_body_chars."
  }
  assert {
    condition     = jsondecode(output.openapi_body)["x-amazon-apigateway-gateway-responses"].MISSING_AUTHENTICATION_TOKEN.statusCode == "404"
    error_message = "Without IAM auth an unknown route is a 404."
  }
}

run "sizes_are_budgeted_against_the_state_limit" {
  command = apply

  assert {
    condition     = output.limits.page_budget_chars == floor((262144 - 32768) / 6) && jsondecode(output.asl_definition).States.WithinBudget.Choices[0].And[0].NumericGreaterThan == output.limits.page_budget_chars
    error_message = "A page's items fit one state at 6 bytes a character, and the ASL cuts pages at that budget."
  }
  assert {
    condition     = output.limits.largest_item_cost == 1024 + output.limits.item_overhead_chars && jsondecode(output.asl_definition).States.Costs.ItemProcessor.States.LargestCost.Parameters.value == output.limits.largest_item_cost
    error_message = "An item without a recorded cost counts as the largest item."
  }
  assert {
    condition     = jsondecode(output.openapi_body).components.schemas.ItemInput.allOf[0].additionalProperties["$ref"] == "#/components/schemas/JsonValue" && strcontains(jsondecode(output.openapi_body).paths["/orders"].post["x-amazon-apigateway-integration"].requestTemplates["application/json"], "#foreach($round in [1..32])")
    error_message = "Every value is a JSON value DynamoDB can hold, and the template bounds nesting at 32 levels."
  }
}

run "an_item_larger_than_a_page_budget_is_refused" {
  command = plan

  variables {
    max_body_chars = 38000
  }

  expect_failures = [output.limits]
}

run "declared_indexes_become_table_indexes_query_parameters_and_typed_writes" {
  command = apply

  variables {
    item_schema = {
      type     = "object"
      required = ["name", "customer"]
      properties = {
        name     = { type = "string" }
        status   = { type = "string", enum = ["NEW", "PAID"], default = "NEW" }
        customer = { type = "string", maxLength = 40 }
        amount   = { type = "number", default = 0 }
      }
    }
    indexes = {
      by_status   = { partition = "status", sort = "createdAt" }
      by_customer = { partition = "customer", sort = "amount" }
    }
  }

  assert {
    condition = output.table_indexes.global_secondary_indexes.by_customer == {
      hash_key           = "index.by_customer.partition", range_key = "index.by_customer.sort", projection_type = "INCLUDE"
      non_key_attributes = ["cost", "createdAt", "document", "updatedAt", "version"]
      } && output.table_indexes.attributes == {
      "index.by_customer.partition" = "S", "index.by_customer.sort" = "N", "index.by_status.partition" = "S", "index.by_status.sort" = "S"
    }
    error_message = "One GSI per index on its two typed key attributes, projecting what a page shows; a number sort field is an N key."
  }
  assert {
    condition = [for p in jsondecode(output.openapi_body).paths["/orders"].get.parameters : p.name] == [
      "limit", "cursor", "customer", "status", "sort",
      "amount.gte", "amount.gt", "amount.lte", "amount.lt", "createdAt.gte", "createdAt.gt", "createdAt.lte", "createdAt.lt",
    ] && one([for p in jsondecode(output.openapi_body).paths["/orders"].get.parameters : p.schema if p.name == "customer"]) == { type = "string", maxLength = 40 }
    error_message = "The list declares a filter per partition field, the sorts and each sort field's bounds, generated from indexes."
  }
  assert {
    condition = (
      jsondecode(output.asl_definition).States.PutItem.Parameters.Item["index.by_customer.sort"] == { "N.$" = "States.Format('{}', $.document.amount)" }
      && jsondecode(output.asl_definition).States.PutItem.Parameters.Item["index.by_status.sort"] == { "S.$" = "States.Format('#{}', $.now)" }
      && strcontains(jsondecode(output.asl_definition).States.ReplaceItem.Parameters.UpdateExpression, "#ix3 = :ix3")
      && jsondecode(output.asl_definition).States.ReplaceItem.Parameters.ExpressionAttributeValues[":ix3"] == { "S.$" = "States.Format('#{}', $.current.Item.createdAt.S)" }
      && [for c in jsondecode(output.asl_definition).States.QueryCursorKey.Choices : c.Next] == ["CursorKey-by_customer", "CursorKey-by_status"]
    )
    error_message = "Create and replace write every index key in the same write (replace keeps createdAt); the cursor is built per index."
  }
  assert {
    condition     = jsondecode(output.item_contract).indexes.by_customer == { partitionField = "customer", partitionAttribute = "index.by_customer.partition", sortField = "amount", sortAttribute = "index.by_customer.sort", sortType = "N" }
    error_message = "Other writers (the import worker) learn the index keys from the item contract."
  }
}

run "an_index_partition_must_be_a_bounded_string_every_item_has" {
  command = plan

  variables {
    item_schema = {
      type       = "object"
      required   = ["name", "text"]
      properties = { name = { type = "string" }, note = { type = "string", maxLength = 10 }, text = { type = "string" } }
    }
    # note: optional without a default; text: no maxLength (a key holds at most 2,048 bytes).
    indexes = { by_note = { partition = "note", sort = "createdAt" }, by_text = { partition = "text", sort = "createdAt" } }
  }

  expect_failures = [var.indexes]
}

run "an_index_sort_must_be_a_field_every_item_has" {
  command = plan

  variables {
    item_schema = { type = "object", required = ["name"], properties = { name = { type = "string", maxLength = 10 }, tags = { type = "array", default = [] } } }
    indexes     = { by_tags = { partition = "name", sort = "tags" } }
  }

  expect_failures = [var.indexes]
}

run "a_query_page_keeps_room_for_its_index_keys" {
  command = plan

  variables {
    max_body_chars = 37000
    item_schema    = { type = "object", required = ["name"], properties = { name = { type = "string", maxLength = 500 } } }
    indexes        = { by_name = { partition = "name", sort = "createdAt" } }
  }

  expect_failures = [output.limits]
}
