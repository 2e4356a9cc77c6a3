#' Rank log-linear models (or dga's graphs) — see man/rank_models.Rd
#' @export
rank_models <- function(data, max_order = NULL, top = 20, by = "bic", limit = NULL,
                        method = NULL, delta = NULL, prior = NULL, grid = NULL,
                        max_clique = NULL, work_limit = NULL,
                        lists = NULL, omit = NULL, merge = NULL, format = NULL,
                        list_col = NULL, id_col = NULL, delimiter = NULL, threads = NULL) {
  call <- match.call()
  source <- .df_source(substitute(data))
  dga <- identical(method, "dga")
  if (!is.null(method) && !dga && !identical(method, "loglinear")) {
    .df_stop(sprintf("argument method = %s: rank_models ranks the models of loglinear or the graphs of dga", method), call = call)
  }
  if (dga) {
    if (!missing(by)) .df_stop("argument by: it ranks log-linear models; dga's graphs are ranked by posterior probability", call = call)
    if (!is.null(max_order)) .df_stop("argument max_order: it is an option of the log-linear ranking, not of method dga", call = call)
    by <- NULL
  } else {
    for (a in c("delta", "prior", "grid", "max_clique", "work_limit")) {
      if (!is.null(get(a))) {
        .df_stop(sprintf("argument %s: it is an option of method \"dga\"", a), call = call)
      }
    }
  }
  opts <- c(list(method = method, max_order = max_order, top = top, by = by, limit = limit,
                 delta = delta, prior = prior, grid = grid, max_clique = max_clique,
                 work_limit = work_limit, threads = threads),
            .df_read_opts(lists, omit, merge, format, list_col, id_col, delimiter))
  res <- .df_run("models", data, opts, source = source, call = call)
  j <- res$json
  df <- if (dga) {
    data.frame(
      rank = seq_along(j$models),
      model_names = vapply(j$models, function(m) .chr(m$model_names), character(1)),
      probability = vapply(j$models, function(m) .num(m$probability), numeric(1)),
      estimate = vapply(j$models, function(m) .num(m$estimate), numeric(1)),
      mean = vapply(j$models, function(m) .num(m$mean), numeric(1)),
      stringsAsFactors = FALSE
    )
  } else {
    data.frame(
      rank = seq_along(j$models),
      model = vapply(j$models, function(m) .chr(m$model), character(1)),
      model_names = vapply(j$models, function(m) .chr(m$model_names), character(1)),
      estimate = vapply(j$models, function(m) .num(m$estimate), numeric(1)),
      deviance = vapply(j$models, function(m) .num(m$deviance), numeric(1)),
      df = vapply(j$models, function(m) .num(m$df), numeric(1)),
      aic = vapply(j$models, function(m) .num(m$aic), numeric(1)),
      bic = vapply(j$models, function(m) .num(m$bic), numeric(1)),
      code = vapply(j$models, function(m) .num(if (is.list(m$existence)) m$existence$code else m$existence), numeric(1)),
      stringsAsFactors = FALSE
    )
  }
  if (identical(res$status, "no_estimate")) {
    .df_warn(res$message, class = "darkfigure_no_estimate", call = call)
  }
  attr(df, "darkfigure") <- j
  class(df) <- c("darkfigure_models", "data.frame")
  df
}

#' @export
print.darkfigure_models <- function(x, ...) {
  j <- attr(x, "darkfigure")
  if (identical(j$method, "dga")) {
    cat(sprintf("dga: %s decomposable graphs averaged; the %d most probable:\n",
                format(j$count), nrow(x)))
  } else {
    cat(sprintf("%s models examined (%s excluded: MLE does not exist or not identifiable), ranked by %s; top %d:\n",
                format(j$count), format(j$excluded), toupper(j$criterion), nrow(x)))
  }
  print(structure(x, class = "data.frame", darkfigure = NULL), row.names = FALSE, ...)
  for (w in unlist(j$warnings)) cat("warning:", w, "\n")
  invisible(x)
}

#' @export
as.list.darkfigure_models <- function(x, ...) attr(x, "darkfigure")

#' Existence and identifiability of a model's MLE — see man/check_existence.Rd
#' @export
check_existence <- function(data, model = "main", lists = NULL, omit = NULL, merge = NULL,
                            format = NULL, list_col = NULL, id_col = NULL,
                            delimiter = NULL) {
  call <- match.call()
  source <- .df_source(substitute(data))
  opts <- c(list(model = model),
            .df_read_opts(lists, omit, merge, format, list_col, id_col, delimiter))
  j <- .df_run("check", data, opts, source = source, call = call)$json
  e <- j$existence
  structure(list(code = .num(e$code), finite = isTRUE(e$finite),
                 identifiable = isTRUE(e$identifiable), rank = .num(e$rank),
                 parameters = .num(e$parameters), model = .chr(j$model),
                 model_names = .chr(j$model_names),
                 infinite_terms = as.character(unlist(j$infinite_terms)),
                 lp_optimum = .num(j$lp_optimum), json = j),
            class = "darkfigure_check")
}

.code_meaning <- c("0" = "the MLE exists and the model is identifiable",
                   "1" = "the MLE does not exist",
                   "2" = "the model is not identifiable",
                   "3" = "the MLE does not exist and the model is not identifiable")

#' @export
print.darkfigure_check <- function(x, ...) {
  cat(sprintf("model %s (%s): code %d, %s\n", x$model, x$model_names, x$code,
              .code_meaning[[as.character(x$code)]]))
  cat(sprintf("  rank %d of %d parameters", x$rank, x$parameters))
  if (length(x$infinite_terms)) {
    cat(sprintf("; terms at -Inf: %s", paste(x$infinite_terms, collapse = ", ")))
  }
  cat("\n")
  invisible(x)
}

#' @export
as.list.darkfigure_check <- function(x, ...) x$json

#' @export
as.data.frame.darkfigure_check <- function(x, row.names = NULL, optional = FALSE, ...) {
  data.frame(model = x$model, model_names = x$model_names, code = x$code,
             finite = x$finite, identifiable = x$identifiable, rank = x$rank,
             parameters = x$parameters, row.names = row.names, stringsAsFactors = FALSE)
}

#' Lists, sizes and overlaps — see man/summarise_lists.Rd
#' @export
summarise_lists <- function(data, lists = NULL, omit = NULL, merge = NULL, format = NULL,
                            list_col = NULL, id_col = NULL, delimiter = NULL,
                            covariates = NULL, levels = NULL, absent = NULL, missing = NULL) {
  call <- match.call()
  source <- .df_source(substitute(data))
  opts <- .df_read_opts(lists, omit, merge, format, list_col, id_col, delimiter)
  if (!is.null(covariates)) {
    opts <- c(opts, .df_cov_opts(covariates, levels, absent, missing, call))
    j <- .df_run("summary", data, opts, source = source, call = call)$json
    return(.df_covariate_summary(j))
  }
  .df_cov_only(names(call)[-1L], call)
  j <- .df_run("summary", data, opts, source = source, call = call)$json
  tab <- data.frame(
    name = vapply(j$lists, function(l) .chr(l$name), character(1)),
    size = vapply(j$lists, function(l) .num(l$size), numeric(1)),
    only_here = vapply(j$lists, function(l) .num(l$only_here), numeric(1)),
    stringsAsFactors = FALSE
  )
  structure(list(observed = .num(j$observed), lists = tab,
                 histories_observed = .num(j$histories_observed),
                 histories_possible = .num(j$histories_possible),
                 seen_once = .num(j$seen_once),
                 empty_overlaps = unlist(j$empty_overlaps),
                 cases_by_number_of_lists = unlist(lapply(j$cases_by_number_of_lists, .num)),
                 warnings = as.character(unlist(j$warnings)), json = j),
            class = "darkfigure_summary")
}

#' @export
print.darkfigure_summary <- function(x, ...) {
  cat(sprintf("%s cases observed on %d lists; %s of %s histories observed; %s on one list only\n",
              format(x$observed), nrow(x$lists), format(x$histories_observed),
              format(x$histories_possible), format(x$seen_once)))
  print(x$lists, row.names = FALSE)
  if (length(x$empty_overlaps)) {
    cat("pairs that never overlap:", paste(unlist(x$empty_overlaps), collapse = ", "), "\n")
  }
  for (w in x$warnings) cat("warning:", w, "\n")
  invisible(x)
}

#' @export
as.list.darkfigure_summary <- function(x, ...) x$json

#' @export
as.data.frame.darkfigure_summary <- function(x, row.names = NULL, optional = FALSE, ...) {
  x$lists
}

#' The sensitivity table — see man/sensitivity_report.Rd
#' @export
sensitivity_report <- function(data, level = 0.95, nboot = NULL, seed = NULL, select = NULL,
                               pthresh = NULL, max_order = NULL, limit = NULL, ntop = NULL,
                               leave_one_out = TRUE, max_replicates = NULL, coverage = NULL,
                               lists = NULL, omit = NULL, merge = NULL, format = NULL,
                               list_col = NULL, id_col = NULL, delimiter = NULL,
                               threads = NULL, covariates = NULL, levels = NULL,
                               absent = NULL, missing = NULL, model = NULL, year = NULL,
                               degree_year = NULL, cross = NULL,
                               fixed_model_bootstrap = FALSE) {
  call <- match.call()
  source <- .df_source(substitute(data))
  if (!is.null(nboot) && nboot == 0) nboot <- NULL
  if (!is.null(covariates)) {
    # The CLI's `report --covariates`: the table by category of one model or rule.
    opts <- c(list(level = level, bootstrap = nboot, seed = seed,
                   select = if (!is.null(select)) as.list(select), pthresh = pthresh,
                   max_order = max_order, limit = limit, ntop = ntop,
                   leave_one_out = leave_one_out, max_replicates = max_replicates,
                   coverage = coverage, threads = threads, model = .df_formula_text(model)),
              .df_read_opts(lists, omit, merge, format, list_col, id_col, delimiter),
              .df_cov_opts(covariates, levels, absent, missing, call),
              .df_cov_model_opts(year, degree_year, cross, fixed_model_bootstrap))
    res <- .df_run("report", data, opts, source = source, call = call)
    if (identical(res$status, "no_estimate")) {
      .df_warn(res$message, class = "darkfigure_no_estimate", call = call)
    }
    return(.df_covariate_report(res$json))
  }
  .df_cov_only(names(call)[-1L], call)
  if (!is.null(model)) {
    .df_stop("argument model: the sensitivity table of list-only data compares rules (`select`); a fixed model is for tables with `covariates`; drop it", call = call)
  }
  opts <- c(list(level = level, bootstrap = nboot, seed = seed,
                 select = if (!is.null(select)) as.list(select), pthresh = pthresh,
                 max_order = max_order, limit = limit, ntop = ntop,
                 leave_one_out = leave_one_out, max_replicates = max_replicates,
                 coverage = coverage, threads = threads),
            .df_read_opts(lists, omit, merge, format, list_col, id_col, delimiter))
  res <- .df_run("report", data, opts, source = source, call = call)
  j <- res$json
  rows <- do.call(rbind, lapply(j$rows, function(r) {
    row <- data.frame(id = .chr(r$id), method = .chr(r$method), model = .chr(r$model),
                      model_names = .chr(r$model_names), estimate = .num(r$estimate),
                      interval = .chr(r$interval), lower = .num(r$lower),
                      upper = .num(r$upper), notes = paste(unlist(r$notes), collapse = "; "),
                      stringsAsFactors = FALSE)
    if (!is.null(j$coverage)) {
      row$coverage <- .num(r$coverage)
      row$coverage_se <- .num(r$coverage_se)
    }
    row
  }))
  if (identical(res$status, "no_estimate")) {
    .df_warn(res$message, class = "darkfigure_no_estimate", call = call)
  }
  structure(list(rows = rows, level = .num(j$level), lists = unlist(j$lists),
                 observed = .num(j$observed), warnings = as.character(unlist(j$warnings)),
                 json = j),
            class = "darkfigure_report")
}

#' @export
print.darkfigure_report <- function(x, ...) {
  cat(sprintf("Sensitivity of N: %s (%s observed), %g%% intervals\n",
              paste(x$lists, collapse = ", "), format(x$observed), 100 * x$level))
  r <- x$rows
  out <- data.frame(id = r$id, model = ifelse(is.na(r$model), "", r$model),
                    estimate = .fmt(r$estimate), interval = ifelse(is.na(r$interval), "", r$interval),
                    lower = .fmt(r$lower), upper = .fmt(r$upper), stringsAsFactors = FALSE)
  if (!is.null(r$coverage)) out$coverage <- ifelse(is.na(r$coverage), "", sprintf("%.3f", r$coverage))
  print(out, row.names = FALSE)
  if (!is.null(r$coverage)) {
    cv <- x$json$coverage
    cat(sprintf("coverage: of the truth N = %s (the stepwise fit %s) on %s tables (%s, seed %s)\n",
                format(cv$truth), cv$truth_model, format(cv$tables), cv$scheme,
                format(cv$seed)))
  }
  for (w in x$warnings) cat("warning:", w, "\n")
  invisible(x)
}

#' @export
summary.darkfigure_report <- function(object, ...) object$rows

#' @export
as.list.darkfigure_report <- function(x, ...) x$json

#' @export
as.data.frame.darkfigure_report <- function(x, row.names = NULL, optional = FALSE, ...) {
  x$rows
}

#' @export
plot.darkfigure_report <- function(x, main = NULL, ...) {
  r <- x$rows[!is.na(x$rows$estimate), , drop = FALSE]
  n <- nrow(r)
  lim <- range(c(r$estimate, r$lower, r$upper), na.rm = TRUE)
  old <- par(mar = c(4, 9, 3, 1))
  on.exit(par(old))
  plot(r$estimate, rev(seq_len(n)), xlim = lim, yaxt = "n", pch = 19, ylab = "", xlab = "N",
       main = main %||% "Sensitivity of N by method", ...)
  segments(r$lower, rev(seq_len(n)), r$upper, rev(seq_len(n)))
  axis(2, at = rev(seq_len(n)), labels = r$id, las = 1, cex.axis = 0.7)
  invisible(x)
}

#' Long-format lists to a frequency table — see man/long_to_table.Rd
#' @export
long_to_table <- function(data, list_col = "list", id_col = "id", format = "long",
                          lists = NULL, omit = NULL, merge = NULL, delimiter = NULL) {
  call <- match.call()
  source <- .df_source(substitute(data))
  if (!missing(list_col) || !missing(id_col) || !identical(format, "long")) {
    opts <- .df_read_opts(lists, omit, merge, format, list_col, id_col, delimiter)
  } else {
    opts <- .df_read_opts(lists, omit, merge, format, NULL, NULL, delimiter)
  }
  res <- .df_run("convert", data, opts, source = source, call = call, parse = FALSE)
  for (w in strsplit(res$extra, "\n", fixed = TRUE)[[1]]) {
    if (nzchar(w)) .df_warn(w, call = call)
  }
  utils::read.csv(text = res$json, check.names = FALSE)
}
