output "openapi_body" {
  description = "The REST API's OpenAPI 3 document (JSON), normalised so that equal documents compare equal."
  value       = jsonencode(jsondecode(local.openapi))
}

output "asl_definition" {
  description = "The CRUD state machine's definition (JSON)."
  value       = jsonencode(jsondecode(local.asl))
}

output "item_defaults" {
  description = "Field defaults taken from the item schema, applied on create and replace."
  value       = local.defaults
}

output "limits" {
  description = "The size limits the documents enforce, in characters (UTF-16 units, as API Gateway counts a body): the largest body, the page budget a list page's items fit in, and the cost of the largest item against it."
  value = {
    max_body_chars      = var.max_body_chars
    page_budget_chars   = local.page_budget_chars
    item_overhead_chars = local.item_overhead_chars
    largest_item_cost   = local.largest_item_cost
    max_page_size       = var.max_page_size
    max_depth           = local.max_depth
  }

  precondition {
    condition     = local.largest_item_cost <= local.page_budget_chars
    error_message = "max_body_chars plus the item schema's defaults and the server fields (${local.largest_item_cost} characters) must fit one list page's budget (${local.page_budget_chars}): lower max_body_chars or the defaults."
  }
}

output "item_contract" {
  description = "How the API stores an item, for other writers of the table (modules/pipeline's import worker, lambdas/import_worker/items.py): the input schema as one draft-04 document, the defaults, and the limits its request template checks (JSON)."
  value = replace(jsonencode({
    schema            = merge(local.item_input_schema, { definitions = local.json_value_schemas })
    defaults          = local.defaults
    maxBodyChars      = var.max_body_chars
    itemOverheadChars = local.item_overhead_chars
    maxDepth          = local.max_depth
    maxDigits         = 38
    # Exact decimals as text (a JSON number would reach Python as the float 1e+126, above the range).
    numberRange = { smallest = local.dynamodb_number_smallest_text, largest = local.dynamodb_number_largest_text }
  }), "#/components/schemas/", "#/definitions/")
}
