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
    # A query's page also holds the query and the cursor's key (query_overhead_chars) and each item's two index
    # key values (query_key_chars): the largest item must fit with both.
    query_key_chars      = local.query_key_chars
    query_overhead_chars = local.query_overhead_chars
  }

  precondition {
    condition     = local.largest_item_cost <= local.page_budget_chars
    error_message = "max_body_chars plus the item schema's defaults and the server fields (${local.largest_item_cost} characters) must fit one list page's budget (${local.page_budget_chars}): lower max_body_chars or the defaults."
  }
  precondition {
    condition     = local.largest_item_cost + local.query_key_chars + local.query_overhead_chars <= local.page_budget_chars
    error_message = "The largest item (${local.largest_item_cost} characters) with the index keys and query a query's page holds (${local.query_key_chars + local.query_overhead_chars}) must fit one page's budget (${local.page_budget_chars}): lower max_body_chars, or the maxLength of the indexes' string fields."
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
    # Each index's two key attributes and the fields they hold, written as the API writes them (README).
    indexes = { for name, key in local.index_keys : name => {
      partitionField = key.partition_field, partitionAttribute = key.partition_attribute
      sortField      = key.sort_field, sortAttribute = key.sort_attribute, sortType = key.sort_type
    } }
  }), "#/components/schemas/", "#/definitions/")
}

output "table_indexes" {
  description = "The table's global secondary indexes the queries read (modules/dynamodb_table's global_secondary_indexes) and the types of their key attributes (its attributes)."
  value = {
    global_secondary_indexes = { for name, key in local.index_keys : name => {
      hash_key           = key.partition_attribute
      range_key          = key.sort_attribute
      projection_type    = "INCLUDE"
      non_key_attributes = local.query_projection
    } }
    attributes = merge({}, [for key in values(local.index_keys) : { (key.partition_attribute) = "S", (key.sort_attribute) = key.sort_type }]...)
  }
}
