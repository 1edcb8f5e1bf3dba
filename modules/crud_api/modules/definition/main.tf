locals {
  server_fields = ["id", "version", "createdAt", "updatedAt"]

  # Defaults declared in the item schema are applied by the state machine (API Gateway validates but
  # does not fill in defaults).
  defaults = { for name, property in try(var.item_schema.properties, {}) : name => property.default if try(property.default, null) != null }

  # Size budget. Step Functions caps every state's input and output, and every task's parameters, at
  # 262,144 bytes of UTF-8 (the Step Functions API reference: StateEnteredEventDetails.input,
  # StateExitedEventDetails.output, TaskScheduledEventDetails.parameters). The state machine holds one copy
  # of a document per state, as JSON or as one level of JSON text in a string, where one character of the
  # body (a UTF-16 unit, as API Gateway's $input.body.length() counts) takes at most 6 bytes (a \uXXXX
  # escape). Sizes are counted in those characters ("cost": the body plus the defaults and server fields).
  state_payload_bytes = 262144
  bytes_per_char      = 6
  list_envelope_bytes = 32768 # the rest of a list state: up to max_page_size + 1 scanned keys and costs, the cursor
  page_budget_chars   = floor((local.state_payload_bytes - local.list_envelope_bytes) / local.bytes_per_char)
  item_overhead_chars = length(jsonencode(local.defaults)) + 256 # id (64), version, two timestamps, punctuation
  largest_item_cost   = var.max_body_chars + local.item_overhead_chars
  max_depth           = 32 # DynamoDB nests maps and lists at most 32 levels deep; items are held to the same

  # Queries by field. A field may key an index when every stored item has it as a plain string or number
  # (required or defaulted: Step Functions cannot write a typed attribute from an absent path) and its value
  # fits a key: DynamoDB holds at most 2,048 bytes in a partition key and 1,024 in a sort key (AWS: "Service,
  # account, and table quotas in Amazon DynamoDB", attributes), at up to 3 bytes of UTF-8 per character.
  # Query parameter names are reserved. Server fields createdAt and updatedAt are always present.
  index_partition_max_chars = 500
  index_sort_max_chars      = 300
  reserved_query_params     = ["limit", "cursor", "sort"]
  index_field_rules = merge(
    { for field, property in try(var.item_schema.properties, {}) : field => {
      type      = try(tostring(property.type), "")
      present   = contains(try(var.item_schema.required, []), field) || try(property.default, null) != null
      max_chars = try(property.maxLength, max([for value in property.enum : length(value)]...), 1000000)
      } if can(regex("^[A-Za-z_][A-Za-z0-9_]{0,63}$", field)) && !contains(local.reserved_query_params, field)
    },
    { createdAt = { type = "timestamp", present = true, max_chars = 24 }, updatedAt = { type = "timestamp", present = true, max_chars = 24 } },
  )
  index_field_checks = { for field, rule in local.index_field_rules : field => merge(rule, {
    partition = rule.present && rule.type == "string" && rule.max_chars <= local.index_partition_max_chars
    sort = rule.present && (contains(["number", "integer", "timestamp"], rule.type) ||
    (rule.type == "string" && rule.max_chars <= local.index_sort_max_chars))
  }) }

  # Each index keys on two typed attributes written beside the document: "<scope>#<value>" (scope: the owner
  # under owner isolation, else empty; never an empty string, which a key cannot hold) and the sort value,
  # "#<value>" for strings (the same order) or the number. Index names are sorted (map keys).
  index_keys = { for name, index in var.indexes : name => {
    partition_field     = index.partition
    sort_field          = index.sort
    partition_attribute = "index.${name}.partition"
    sort_attribute      = "index.${name}.sort"
    sort_type           = contains(["number", "integer"], local.index_field_checks[index.sort].type) ? "N" : "S"
    # Characters the two key values add to an item a query returns (the sort as a number: 40 at most).
    partition_max_chars = local.index_field_checks[index.partition].max_chars
    sort_max_chars      = local.index_field_checks[index.sort].max_chars
    # Parameters of other indexes this one cannot serve: present, they make the query another index's.
    foreign_params = sort(distinct(concat(
      [for other in values(var.indexes) : other.partition if other.partition != index.partition],
      flatten([for other in values(var.indexes) : [for bound in local.sort_bounds : "${other.sort}.${bound}"] if other.sort != index.sort]),
    )))
    key_chars = 129 + local.index_field_checks[index.partition].max_chars + (contains(["number", "integer"], local.index_field_checks[index.sort].type) ? 40 : 1 + local.index_field_checks[index.sort].max_chars)
  } if can(local.index_field_checks[index.partition]) && can(local.index_field_checks[index.sort]) }
  # Where each field's value is when an item is written (server fields are not in the document).
  index_value_paths = {
    create  = { createdAt = "$.now", updatedAt = "$.now" }
    replace = { createdAt = "$.current.Item.createdAt.S", updatedAt = "$.now" }
  }
  index_attributes = { for operation, server in local.index_value_paths : operation => merge({}, [for name, key in local.index_keys : {
    (key.partition_attribute) = { "S.$" = local.owner_isolation ? "States.Format('{}#{}', $.owner, ${lookup(server, key.partition_field, "$.document.${key.partition_field}")})" : "States.Format('#{}', ${lookup(server, key.partition_field, "$.document.${key.partition_field}")})" }
    (key.sort_attribute)      = key.sort_type == "N" ? { "N.$" = "States.Format('{}', ${lookup(server, key.sort_field, "$.document.${key.sort_field}")})" } : { "S.$" = "States.Format('#{}', ${lookup(server, key.sort_field, "$.document.${key.sort_field}")})" }
  }]...) }
  index_attribute_names = keys(local.index_attributes.replace)
  # What a query's page shows, projected into each index so that a page is read from the index in its order
  # (the keys, the cost the page budget counts, and the stored item): each index holds a copy of every item
  # it keys, and each write of an item writes each index too (README: cost).
  query_projection = ["cost", "createdAt", "document", "updatedAt", "version"]
  sort_bounds      = ["gte", "gt", "lte", "lt"]
  query_params = sort(distinct(concat(local.reserved_query_params, [for index in values(var.indexes) : index.partition],
  flatten([for index in values(var.indexes) : [for bound in local.sort_bounds : "${index.sort}.${bound}"]]))))
  # The refusal of a filter no index serves lists what is served (one line, no quotes: it is put in JSON as is).
  queries_offered = "Filter with one of: ${join("; ", [for name, index in var.indexes : "${index.partition}=<value> [sort=${index.sort} or -${index.sort}] [${index.sort}.gte, .gt, .lte or .lt=<value>]"])}."
  # A query's state holds its parameters (partition, bounds, the cursor's key: each at most key_chars) several
  # times over: the page budget keeps room for them, and each returned item carries its two key values.
  query_key_chars      = max(0, [for key in values(local.index_keys) : key.key_chars]...)
  query_overhead_chars = 8 * local.query_key_chars

  asl = templatefile("${path.module}/../../../../statemachines/crud.asl.json", {
    table_name           = var.table_name
    max_page_size        = var.max_page_size
    defaults_json        = jsonencode(local.defaults)
    cursor_salt          = var.cursor_salt
    item_overhead_chars  = local.item_overhead_chars
    largest_item_cost    = local.largest_item_cost
    page_budget_chars    = local.page_budget_chars
    owner_isolation      = local.owner_isolation
    owner_index_name     = var.owner_index_name
    index_keys           = local.index_keys
    index_item_json      = join("", [for name, value in local.index_attributes.create : "${jsonencode(name)}: ${jsonencode(value)}, "])
    index_update_set     = join("", [for i, name in local.index_attribute_names : ", #ix${i} = :ix${i}"])
    index_update_names   = join("", [for i, name in local.index_attribute_names : ", \"#ix${i}\": ${jsonencode(name)}"])
    index_update_values  = join("", [for i, name in local.index_attribute_names : "\":ix${i}\": ${jsonencode(local.index_attributes.replace[name])}, "])
    query_key_chars      = local.query_key_chars
    query_overhead_chars = local.query_overhead_chars
  })

  owner_isolation = var.owner_claim != null
  # Where API Gateway puts the caller's claim: a Cognito authorizer's token claims, or a Lambda authorizer's
  # context (AWS: "$context variables for data models, authorizers, mapping templates...").
  owner_reference = !local.owner_isolation ? "" : (
    var.authorization == "COGNITO" ? "$!context.authorizer.claims.get('${var.owner_claim}')" : "$!context.authorizer.get('${var.owner_claim}')"
  )

  # What clients send: the user fields only. Server-owned fields are refused even when the schema
  # allows additional properties, and every value, whatever the caller's schema says, is JSON that
  # DynamoDB and every consumer can hold: numbers 0 or of magnitude 1E-130 to
  # 9.9999999999999999999999999999999999999E+125 (DynamoDB's number range; an overflowing literal such as
  # 1e400 is refused, never stored as Infinity), at any depth. JsonValue refers to itself (one reference:
  # a chain of 32 depth-numbered schemas made generated clients and fuzzers inline 2^32 copies), so the
  # depth limit (max_depth) is checked by the request template instead.
  item_input_schema = merge(var.item_schema, {
    "$schema" = "http://json-schema.org/draft-04/schema#"
    title     = "${var.entity}Input"
    type      = "object"
    not       = { anyOf = [for field in local.server_fields : { required = [field] }] }
    allOf     = concat(try(var.item_schema.allOf, []), [{ type = "object", additionalProperties = { "$ref" = "#/components/schemas/JsonValue" } }])
  })

  # As text: exact decimals (and a form checkov's HCL parser reads).
  dynamodb_number_smallest_text = "1E-130"
  dynamodb_number_largest_text  = "9.9999999999999999999999999999999999999E+125"
  dynamodb_number_smallest      = tonumber(local.dynamodb_number_smallest_text)
  dynamodb_number_largest       = tonumber(local.dynamodb_number_largest_text)
  dynamodb_number = {
    type = "number"
    anyOf = [
      { enum = [0] },
      { minimum = local.dynamodb_number_smallest, maximum = local.dynamodb_number_largest },
      { minimum = -local.dynamodb_number_largest, maximum = -local.dynamodb_number_smallest },
    ]
  }
  json_value_schemas = {
    JsonValue = {
      anyOf = [
        { type = "string" },
        { type = "boolean" },
        { enum = [null] },
        local.dynamodb_number,
        { type = "array", items = { "$ref" = "#/components/schemas/JsonValue" } },
        { type = "object", additionalProperties = { "$ref" = "#/components/schemas/JsonValue" } },
      ]
    }
  }

  item_schema_out = merge(var.item_schema, {
    title = var.entity
    type  = "object"
    properties = merge(try(var.item_schema.properties, {}), {
      id        = { type = "string" }
      version   = { type = "integer", minimum = 1 }
      createdAt = { type = "string", format = "date-time" }
      updatedAt = { type = "string", format = "date-time" }
    })
    required = distinct(concat(try(var.item_schema.required, []), local.server_fields))
  })

  request_templates = { for operation in ["create", "get", "replace", "delete", "list"] : operation => templatefile("${path.module}/templates/request.vtl", {
    operation         = operation
    state_machine_arn = var.state_machine_arn
    max_body_chars    = var.max_body_chars
    max_depth         = local.max_depth
    owner_isolation   = local.owner_isolation
    owner_claim       = coalesce(var.owner_claim, "-")
    owner_reference   = local.owner_reference
    max_page_size     = var.max_page_size
    default_page_size = var.default_page_size
    cursor_pattern    = local.cursor_pattern
    index_keys        = local.index_keys
    query_params      = local.query_params
    queries_offered   = local.queries_offered
  }) }

  cors_headers = var.cors_allow_origin == null ? {} : {
    "method.response.header.Access-Control-Allow-Origin" = "'${var.cors_allow_origin}'"
  }
  json_content_type = { "method.response.header.Content-Type" = "'application/json'" }

  response_template = file("${path.module}/templates/response.vtl")
  integration = {
    type                = "aws"
    httpMethod          = "POST"
    uri                 = "arn:aws:apigateway:${var.region}:states:action/StartSyncExecution"
    credentials         = var.api_role_arn
    passthroughBehavior = "never"
    timeoutInMillis     = 29000
    responses = {
      # StartSyncExecution itself failed (throttled, misconfigured): the client cannot fix either.
      "4\\d{2}" = {
        statusCode         = "500"
        responseParameters = merge(local.json_content_type, local.cors_headers)
        responseTemplates  = { "application/json" = "{\"error\": \"InternalError\", \"message\": \"The request could not be completed.\"}" }
      }
      "5\\d{2}" = {
        statusCode         = "503"
        responseParameters = merge(local.json_content_type, local.cors_headers)
        responseTemplates  = { "application/json" = "{\"error\": \"ServiceUnavailable\", \"message\": \"The service is busy; retry with backoff.\"}" }
      }
      default = {
        statusCode         = "200"
        responseParameters = merge(local.json_content_type, local.cors_headers)
        responseTemplates  = { "application/json" = local.response_template }
      }
    }
  }

  response_headers = merge(
    { "Content-Type" = { schema = { type = "string" } } },
    var.cors_allow_origin == null ? {} : { "Access-Control-Allow-Origin" = { schema = { type = "string" } } },
  )
  error_content = { "application/json" = { schema = { "$ref" = "#/components/schemas/Error" } } }
  etag_header   = { ETag = { schema = { type = "string", pattern = local.etag_pattern } } }
  error_responses = { for status, description in merge(
    {
      "400" = "Invalid JSON, a schema violation, a server-owned field, nesting deeper than 32 levels, or a bad limit, cursor or If-Match."
      "403" = "Missing or refused credentials (API Gateway's gateway response)."
      "404" = "No such item."
      "409" = "The item already exists."
      "412" = "If-Match does not match the item's version."
      "413" = "Body larger than one item may be."
      "415" = "Body is not application/json."
      "429" = "Throttled by the stage or the usage plan; retry with backoff."
      "500" = "Internal error."
      "503" = "Busy; retry with backoff."
      "504" = "Timed out."
    },
    contains(["COGNITO", "CUSTOM"], var.authorization) ? { "401" = "No token, an expired one (message: The incoming token has expired) or one the authorizer refused (message: Unauthorized)." } : {},
  ) : status => { description = description, headers = local.response_headers, content = local.error_content } }
  item_content = { "application/json" = { schema = { "$ref" = "#/components/schemas/${var.entity}" } } }
  # Each operation declares its own success (with the body's schema) and every error it can answer.
  method_responses = { for operation, success in {
    create  = { "201" = { description = "Created.", headers = merge(local.response_headers, local.etag_header, { Location = { schema = { type = "string", format = "uri" } } }), content = local.item_content } }
    get     = { "200" = { description = "The item; its ETag is its version.", headers = merge(local.response_headers, local.etag_header), content = local.item_content } }
    replace = { "200" = { description = "The item after the replacement.", headers = merge(local.response_headers, local.etag_header), content = local.item_content } }
    delete  = { "204" = { description = "Deleted.", headers = local.response_headers } }
    list    = { "200" = { description = "A page of items.", headers = local.response_headers, content = { "application/json" = { schema = { "$ref" = "#/components/schemas/${var.entity}Page" } } } } }
  } : operation => merge(local.error_responses, success) }

  # Formats of what clients pass back: ids the API issues, ETags ("3", W/"3" or 3, or *), signed cursors.
  id_pattern   = "^[A-Za-z0-9-]{1,64}$"
  etag_pattern = "^\"[0-9]{1,15}\"$"
  # An empty If-Match is no condition: RFC 9110 13.1.1 defines it as a list of entity tags (`#entity-tag`,
  # which may be empty; blanks are not part of a field value), and `$input.params('If-Match')` answers ""
  # for an empty header as for an absent one.
  if_match_pattern = "^([*]|(W/)?\"?[0-9]{1,15}\"?)?$"
  # A list's cursor is an item id; a query's the base64 of the last item's index key (at most ~4,000
  # characters: the key values are bounded by the index validations). Both carry a SHA-256 signature.
  cursor_pattern = "^[A-Za-z0-9+/=-]{1,4096}[.][0-9a-f]{64}$"
  item_page_schema = {
    type                 = "object"
    required             = ["items", "nextCursor"]
    additionalProperties = false
    properties = {
      items      = { type = "array", maxItems = var.max_page_size, items = { "$ref" = "#/components/schemas/${var.entity}" } }
      nextCursor = { anyOf = [{ type = "string", pattern = local.cursor_pattern }, { enum = [null] }] }
    }
  }

  # The list operation's parameters: paging, then one filter per index partition field, the sort and the
  # bounds of each index's sort field (generated from `indexes`).
  index_partition_fields = sort(distinct([for key in values(local.index_keys) : key.partition_field]))
  index_sort_fields      = { for key in values(local.index_keys) : key.sort_field => key... }
  list_parameters = concat(
    [
      { name = "limit", in = "query", required = false, description = "Page size; absent means the default.", schema = { type = "integer", minimum = 1, maximum = var.max_page_size, default = var.default_page_size } },
      { name = "cursor", in = "query", required = false, description = "nextCursor of the previous page, unchanged (URL-encoded, as any query value); absent means the first page. A cursor belongs to the list or query that returned it.", schema = { type = "string", pattern = local.cursor_pattern } },
    ],
    [for field in local.index_partition_fields : {
      name        = field
      in          = "query"
      required    = false
      description = "Only items whose ${field} equals this (a query of ${join(" or ", [for name, key in local.index_keys : name if key.partition_field == field])}, never a scan)."
      schema      = { type = "string", maxLength = local.index_field_checks[field].max_chars }
    }],
    length(local.index_keys) == 0 ? [] : [{
      name        = "sort"
      in          = "query"
      required    = false
      description = "Order of a query by its index's sort field: ascending, or descending with a leading -. Needs a filter."
      schema      = { type = "string", enum = sort(distinct(flatten([for key in values(local.index_keys) : [key.sort_field, "-${key.sort_field}"]]))) }
    }],
    flatten([for field, keys in local.index_sort_fields : [for bound in local.sort_bounds : {
      name        = "${field}.${bound}"
      in          = "query"
      required    = false
      description = "Only items whose ${field} is ${ { gte = "at least", gt = "more than", lte = "at most", lt = "less than" }[bound]} this (a key condition of the query; one bound, or .gte with .lte). Needs a filter."
      schema      = jsondecode(keys[0].sort_type == "N" ? jsonencode({ type = "number" }) : jsonencode({ type = "string", maxLength = keys[0].sort_max_chars }))
    }]]),
  )
  list_summary = length(local.index_keys) == 0 ? "One page of items; pass nextCursor back as cursor for the next page." : "One page of items, or of the items a filter selects (${join("; ", [for name, key in local.index_keys : "${key.partition_field} sorted by ${key.sort_field}"])}), each served by an index; pass nextCursor back as cursor for the next page."

  gateway_response_headers = merge(
    { "gatewayresponse.header.Content-Type" = "'application/json'" },
    var.cors_allow_origin == null ? {} : { "gatewayresponse.header.Access-Control-Allow-Origin" = "'${var.cors_allow_origin}'" },
  )
  # Gateway responses cannot escape text ($util is not available there), so only values API Gateway
  # already quotes ($context.error.messageString) or escapes are interpolated. The request validator's
  # report ($context.error.validationErrorString) carries its quotes escaped (as in API Gateway's execution
  # logs: `[object has missing required properties ([\"name\"])]`), so it goes inside a JSON string as
  # `details`: the field and the rule that failed.
  gateway_responses = { for type, answer in merge(
    {
      BAD_REQUEST_BODY       = { status = "400", code = "ValidationError" }
      BAD_REQUEST_PARAMETERS = { status = "400", code = "BadRequest" }
      UNSUPPORTED_MEDIA_TYPE = { status = "415", code = "UnsupportedMediaType" }
      REQUEST_TOO_LARGE      = { status = "413", code = "PayloadTooLarge" }
      THROTTLED              = { status = "429", code = "TooManyRequests" }
      ACCESS_DENIED          = { status = "403", code = "AccessDenied" }
      DEFAULT_4XX            = { status = null, code = "BadRequest" }
      DEFAULT_5XX            = { status = null, code = "InternalError" }
    },
    {
      UNAUTHORIZED                   = { status = "401", code = "Unauthorized" }
      EXPIRED_TOKEN                  = { status = "403", code = "ExpiredToken" }
      INVALID_SIGNATURE              = { status = "403", code = "InvalidSignature" }
      INVALID_API_KEY                = { status = "403", code = "Forbidden" }
      QUOTA_EXCEEDED                 = { status = "429", code = "QuotaExceeded" }
      AUTHORIZER_FAILURE             = { status = "500", code = "AuthorizerFailure" }
      AUTHORIZER_CONFIGURATION_ERROR = { status = "500", code = "AuthorizerConfigurationError" }
    },
    # Without IAM auth, "Missing Authentication Token" only ever means an unknown route (a Cognito or Lambda
    # authorizer answers a request without its token with UNAUTHORIZED, 401).
    # With IAM auth it means either (API Gateway cannot tell them apart): a JSON 403 that says so.
    var.authorization != "AWS_IAM" ? { MISSING_AUTHENTICATION_TOKEN = { status = "404", code = "RouteNotFound" } } : { MISSING_AUTHENTICATION_TOKEN = { status = "403", code = "MissingAuthenticationToken" } },
    ) : type => merge(
    answer.status == null ? {} : { statusCode = answer.status },
    {
      responseParameters = local.gateway_response_headers
      responseTemplates = { "application/json" = (type == "BAD_REQUEST_BODY" ?
        "{\"error\": \"${answer.code}\", \"message\": $context.error.messageString, \"details\": \"$context.error.validationErrorString\"}" :
        "{\"error\": \"${answer.code}\", \"message\": $context.error.messageString}"
      ) }
    },
  ) }

  # Who may call: one security requirement per operation, the authorization mode's scheme and, with API
  # keys, the key as well (both must hold: one requirement object is an AND).
  operations  = ["create", "get", "replace", "delete", "list"]
  auth_scheme = { NONE = null, AWS_IAM = "sigv4", COGNITO = "cognito", CUSTOM = "lambda" }[var.authorization]
  security = { for operation in local.operations : operation => jsondecode(
    local.auth_scheme == null && !var.api_key_required ? "[]" : jsonencode([merge(
      local.auth_scheme == null ? {} : { (local.auth_scheme) = var.authorization == "COGNITO" ? lookup(var.authorization_scopes, operation, []) : [] },
      var.api_key_required ? { api_key = [] } : {},
    )])
  ) }
  security_schemes = merge(
    jsondecode(var.authorization != "AWS_IAM" ? "{}" : jsonencode({
      sigv4 = { type = "apiKey", name = "Authorization", in = "header", "x-amazon-apigateway-authtype" = "awsSigv4" }
    })),
    jsondecode(var.authorization != "COGNITO" ? "{}" : jsonencode({
      cognito = {
        type                             = "apiKey"
        name                             = "Authorization"
        in                               = "header"
        "x-amazon-apigateway-authtype"   = "cognito_user_pools"
        "x-amazon-apigateway-authorizer" = { type = "cognito_user_pools", providerARNs = var.cognito_user_pool_arns }
      }
    })),
    jsondecode(var.authorization != "CUSTOM" ? "{}" : jsonencode({
      lambda = {
        type                           = "apiKey"
        name                           = "Authorization"
        in                             = "header"
        "x-amazon-apigateway-authtype" = "custom"
        "x-amazon-apigateway-authorizer" = {
          type                         = "request"
          identitySource               = join(", ", try(var.custom_authorizer.identity_sources, []))
          authorizerUri                = try(var.custom_authorizer.uri, "")
          authorizerResultTtlInSeconds = try(var.custom_authorizer.result_ttl_in_seconds, 0)
        }
      }
    })),
    jsondecode(!var.api_key_required && var.webhooks == null ? "{}" : jsonencode({ api_key = { type = "apiKey", name = "x-api-key", in = "header" } })),
  )

  cors_preflight = {
    summary   = "CORS preflight."
    responses = { "204" = { description = "CORS headers.", headers = { for h in ["Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"] : h => { schema = { type = "string" } } } } }
    "x-amazon-apigateway-integration" = {
      type                = "mock"
      passthroughBehavior = "when_no_match"
      requestTemplates    = { "application/json" = "{\"statusCode\": 204}" }
      responses = {
        default = {
          statusCode = "204"
          responseParameters = {
            "method.response.header.Access-Control-Allow-Origin"  = "'${coalesce(var.cors_allow_origin, "*")}'"
            "method.response.header.Access-Control-Allow-Methods" = "'GET,POST,PUT,DELETE,OPTIONS'"
            "method.response.header.Access-Control-Allow-Headers" = "'Content-Type,If-Match,Authorization,X-Amz-Date,X-Amz-Security-Token'"
            "method.response.header.Access-Control-Max-Age"       = "'600'"
          }
        }
      }
    }
  }

  # POST /webhooks/{source}: API Gateway's AWS integration with EventBridge's PutEvents (the action URI with
  # the JSON protocol's X-Amz-Target header, as the EventBridge workshop's REST API service integration
  # does), no Lambda. Senders hold an API key of the webhooks usage plan; the body must be a JSON object.
  # Starts with a letter or digit, so "." and ".." are not names of a sender.
  webhook_source_pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
  webhook_path = var.webhooks == null ? null : {
    parameters = [{ name = "source", in = "path", required = true, description = "Who sends (e.g. stripe, github).", schema = { type = "string", pattern = local.webhook_source_pattern } }]
    post = {
      operationId                             = "receiveWebhook"
      summary                                 = "Put a JSON body on the event bus as ${var.webhooks.detail_type} (source ${var.webhooks.event_source}); answers 202 with the event's id."
      "x-amazon-apigateway-request-validator" = "body"
      security                                = [{ api_key = [] }]
      requestBody                             = { required = true, content = { "application/json" = { schema = { "$ref" = "#/components/schemas/WebhookBody" } } } }
      responses = merge(
        { for status in ["400", "403", "413", "415", "429", "500", "503", "504"] : status => local.error_responses[status] },
        { "202" = { description = "Accepted: on the bus.", headers = local.response_headers, content = { "application/json" = { schema = { type = "object", required = ["eventId"], properties = { eventId = { type = "string" } } } } } } },
      )
      "x-amazon-apigateway-integration" = {
        type                = "aws"
        httpMethod          = "POST"
        uri                 = "arn:aws:apigateway:${var.region}:events:action/PutEvents"
        credentials         = var.api_role_arn
        passthroughBehavior = "never"
        timeoutInMillis     = 29000
        requestParameters = {
          "integration.request.header.X-Amz-Target" = "'AWSEvents.PutEvents'"
          "integration.request.header.Content-Type" = "'application/x-amz-json-1.1'"
        }
        requestTemplates = { "application/json" = templatefile("${path.module}/templates/webhook_request.vtl", {
          event_bus_name = var.webhooks.event_bus_name
          event_source   = var.webhooks.event_source
          detail_type    = var.webhooks.detail_type
          max_body_chars = var.webhooks.max_body_chars
          source_pattern = local.webhook_source_pattern
        }) }
        responses = {
          "4\\d{2}" = {
            statusCode         = "500"
            responseParameters = merge(local.json_content_type, local.cors_headers)
            responseTemplates  = { "application/json" = templatefile("${path.module}/templates/webhook_error.vtl", { source_pattern = local.webhook_source_pattern }) }
          }
          "5\\d{2}" = {
            statusCode         = "503"
            responseParameters = merge(local.json_content_type, local.cors_headers)
            responseTemplates  = { "application/json" = "{\"error\": \"ServiceUnavailable\", \"message\": \"The service is busy; retry with backoff.\"}" }
          }
          default = {
            statusCode         = "202"
            responseParameters = merge(local.json_content_type, local.cors_headers)
            responseTemplates  = { "application/json" = file("${path.module}/templates/webhook_response.vtl") }
          }
        }
      }
    }
  }
  # Its values are JsonValues, as an item's are: a number out of DynamoDB's range (1e400) is a 400 here, never
  # an Infinity on the bus that no JSON consumer can read.
  webhook_body_schema = {
    type                 = "object"
    description          = "Any JSON object whose numbers are 0 or of magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125; it becomes the event's detail.body."
    additionalProperties = { "$ref" = "#/components/schemas/JsonValue" }
  }

  openapi = templatefile("${path.module}/templates/openapi.json.tftpl", {
    webhook_path        = local.webhook_path
    webhook_body_schema = local.webhook_body_schema
    api_name            = var.api_name
    collection          = var.collection
    entity              = var.entity
    security            = local.security
    security_schemes    = local.security_schemes
    api_key_required    = var.api_key_required || var.webhooks != null
    max_page_size       = var.max_page_size
    default_page_size   = var.default_page_size
    cors_allow_origins  = var.cors_allow_origin == null ? [] : [var.cors_allow_origin]
    gateway_responses   = local.gateway_responses
    method_responses    = local.method_responses
    integration         = local.integration
    request_templates   = local.request_templates
    item_input_schema   = local.item_input_schema
    item_schema_out     = local.item_schema_out
    item_page_schema    = local.item_page_schema
    id_pattern          = local.id_pattern
    if_match_pattern    = local.if_match_pattern
    cursor_pattern      = local.cursor_pattern
    json_value_schemas  = local.json_value_schemas
    cors_preflight      = local.cors_preflight
    list_parameters     = local.list_parameters
    list_summary        = local.list_summary
  })
}
