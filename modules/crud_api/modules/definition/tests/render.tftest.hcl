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
