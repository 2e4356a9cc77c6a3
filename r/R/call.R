# Internal: the one call into the Rust glue, input conversion and conditions.

`%||%` <- function(a, b) if (is.null(a)) b else a

# A number from JSON (NULL: NA).
.num <- function(x) if (is.null(x)) NA_real_ else as.numeric(x)
.chr <- function(x) if (is.null(x)) NA_character_ else as.character(x)

# Raise a darkfigure error condition with the crate's message.
.df_stop <- function(message, class = character(), call = NULL) {
  cond <- structure(
    class = c(class, "darkfigure_error", "error", "condition"),
    list(message = message, call = call)
  )
  stop(cond)
}

.df_warn <- function(message, class = character(), call = NULL) {
  cond <- structure(
    class = c(class, "darkfigure_warning", "warning", "condition"),
    list(message = message, call = call)
  )
  warning(cond)
}

# A CSV field, quoted where needed.
.csv_field <- function(x) {
  q <- grepl("[\",\n\r]", x)
  x[q] <- paste0("\"", gsub("\"", "\"\"", x[q], fixed = TRUE), "\"")
  x
}

# A data frame column as CSV text fields: 0/1 from logicals, whole numbers without exponent,
# NA as "NA" (the reader then names the row and column).
.csv_column <- function(x) {
  if (is.factor(x)) x <- as.character(x)
  if (is.logical(x)) x <- as.integer(x)
  out <- if (is.double(x)) {
    ifelse(is.finite(x) & x == round(x) & abs(x) < 1e15,
           formatC(x, format = "f", digits = 0),
           format(x, digits = 17, trim = TRUE))
  } else {
    as.character(x)
  }
  out[is.na(x)] <- "NA"
  .csv_field(out)
}

# A data frame as the CSV text the library's reader takes.
.df_to_csv <- function(df) {
  if (!is.data.frame(df)) df <- as.data.frame(df, stringsAsFactors = FALSE)
  if (ncol(df) == 0L) .df_stop("the data frame has no columns")
  cols <- lapply(df, .csv_column)
  header <- paste(.csv_field(names(df)), collapse = ",")
  rows <- if (nrow(df) > 0L) do.call(paste, c(unname(cols), sep = ",")) else character()
  paste0(paste(c(header, rows), collapse = "\n"), "\n")
}

# data: a data frame (or matrix) or a CSV path. Returns list(input, text).
.df_input <- function(data, source) {
  if (is.character(data) && length(data) == 1L && !is.na(data)) {
    if (!file.exists(data)) .df_stop(sprintf("%s: no such file", data))
    return(list(input = data, text = FALSE))
  }
  if (is.data.frame(data) || is.matrix(data)) {
    return(list(input = .df_to_csv(data), text = TRUE))
  }
  .df_stop("`data` must be a data frame of 0/1 list columns (and a count column), or the path of a CSV file")
}

# Options as a JSON object; NULL entries are left out (the CLI's default).
.df_options <- function(opts) {
  opts <- opts[!vapply(opts, is.null, logical(1))]
  for (n in names(opts)) {
    v <- opts[[n]]
    if (length(v) == 1L && is.atomic(v) && is.na(v)) opts[[n]] <- NULL
  }
  if (length(opts) == 0L) return("{}")
  as.character(jsonlite::toJSON(opts, auto_unbox = TRUE, digits = NA, null = "null"))
}

# Run a command of the library; returns list(status, json, message, extra).
.df_run <- function(command, data, opts, source = "data", call = NULL, parse = TRUE) {
  # As the CLI's --threads: more threads than the machine runs at once only add overhead
  # (100,000 hung the CLI), so the count is capped, with a warning.
  n <- opts$threads
  if (length(n) == 1L && !is.na(n) && n >= 1) {
    available <- parallel::detectCores()
    if (!is.na(available) && n > available) {
      warning(sprintf("threads = %d is more than the %d this machine can run at once; using %d",
                      as.integer(n), available, available), call. = FALSE)
      opts$threads <- available
    }
  }
  inp <- .df_input(data, source)
  opts$source <- source
  res <- .Call(wrap__df_call, command, inp$input, inp$text, .df_options(opts))
  status <- res[[1]]
  if (identical(status, "error")) .df_stop(res[[3]], call = call)
  if (identical(status, "interrupted")) {
    .df_stop("interrupted (the computation finishes in the background; its result is dropped)",
             class = "darkfigure_interrupted", call = call)
  }
  if (identical(status, "no_estimate") && !nzchar(res[[2]])) {
    .df_stop(res[[3]], class = "darkfigure_no_estimate", call = call)
  }
  payload <- if (parse) jsonlite::fromJSON(res[[2]], simplifyVector = FALSE) else res[[2]]
  list(status = status, json = payload, message = res[[3]], extra = res[[4]])
}

# A name for messages from the caller's expression.
.df_source <- function(expr) {
  s <- paste(deparse(expr, width.cutoff = 60L), collapse = "")
  if (nchar(s) > 40L || !nzchar(s)) "data" else s
}

# Input-reading options shared by every function.
.df_read_opts <- function(lists, omit, merge, format, list_col, id_col, delimiter) {
  if (!is.null(merge) && !is.list(merge)) merge <- as.list(merge)
  list(lists = if (!is.null(lists)) as.list(lists), omit = if (!is.null(omit)) as.list(omit),
       merge = if (!is.null(merge)) lapply(merge, as.list), format = format,
       list_col = list_col, id_col = id_col, delimiter = delimiter)
}

#' Paths of the bundled datasets
#'
#' @param name a file name without `.csv`, e.g. `"ukdat"`; `NULL` lists them.
#' @export
darkfigure_data <- function(name = NULL) {
  dir <- system.file("extdata", package = "darkfigure")
  if (is.null(name)) {
    return(sub("\\.csv$", "", list.files(dir, pattern = "\\.csv$")))
  }
  p <- file.path(dir, paste0(sub("\\.csv$", "", name), ".csv"))
  if (!file.exists(p)) {
    .df_stop(sprintf("no bundled dataset %s; darkfigure_data() lists them", name))
  }
  p
}
