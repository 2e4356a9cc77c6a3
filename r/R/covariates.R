# Tables of lists x categorical covariates (the CLI's `--covariates`): the covariate paths of
# estimate_population, summarise_lists and sensitivity_report, and their S3 objects.

# The covariate options (by the glue's names) from R's arguments: `levels` a named list
# (list(Y = 2015:2018)) or the CLI's "COV=L1,L2" texts; `absent` the CLI's "LIST@COV=L1,L2"
# texts or a named list of named lists (list(L5 = list(year = 2015:2016))).
.df_cov_opts <- function(covariates, levels, absent, missing, call = NULL) {
  if (!is.character(covariates) || length(covariates) == 0L || anyNA(covariates)) {
    .df_stop("argument covariates: expected the names of the covariate columns, e.g. c(\"sex\", \"age\", \"year\")",
             call = call)
  }
  lv <- NULL
  if (!is.null(levels)) {
    if (is.list(levels)) {
      if (is.null(names(levels)) || any(!nzchar(names(levels)))) {
        .df_stop("argument levels: expected a named list, e.g. list(year = c(2015, 2016, 2017))",
                 call = call)
      }
      lv <- vapply(names(levels), function(n) {
        paste0(n, "=", paste(as.character(levels[[n]]), collapse = ","))
      }, character(1), USE.NAMES = FALSE)
    } else if (is.character(levels)) {
      lv <- levels
    } else {
      .df_stop("argument levels: expected a named list, e.g. list(year = c(2015, 2016, 2017))",
               call = call)
    }
  }
  ab <- NULL
  if (!is.null(absent)) {
    if (is.list(absent)) {
      if (is.null(names(absent))) {
        .df_stop("argument absent: expected a named list, e.g. list(L5 = list(year = c(2015, 2016))), or \"L5@year=2015,2016\"",
                 call = call)
      }
      ab <- unlist(lapply(names(absent), function(l) {
        a <- absent[[l]]
        if (!is.list(a) || is.null(names(a))) {
          .df_stop(sprintf("argument absent: %s: expected a named list of levels, e.g. list(year = c(2015, 2016))", l),
                   call = call)
        }
        vapply(names(a), function(cv) {
          sprintf("%s@%s=%s", l, cv, paste(as.character(a[[cv]]), collapse = ","))
        }, character(1), USE.NAMES = FALSE)
      }))
    } else if (is.character(absent)) {
      ab <- absent
    } else {
      .df_stop("argument absent: expected a named list or \"LIST@COV=L1,L2\" texts", call = call)
    }
  }
  list(covariates = as.list(covariates), levels = if (!is.null(lv)) as.list(lv),
       absent = if (!is.null(ab)) as.list(ab), missing = missing)
}

# The options of a model over lists x covariates.
.df_cov_model_opts <- function(year, degree_year, cross, fixed_model_bootstrap) {
  list(year = year, degree_year = degree_year,
       cross = if (!is.null(cross)) as.list(cross),
       fixed_model_bootstrap = if (isTRUE(fixed_model_bootstrap)) TRUE)
}

# The covariate-only arguments given without `covariates`: an error naming the first (the
# CLI's `--year` etc. require `--covariates`).
.df_cov_only <- function(given, call = NULL) {
  only <- c("levels", "absent", "missing", "year", "degree_year", "cross",
            "fixed_model_bootstrap")
  hit <- intersect(only, given)
  if (length(hit)) {
    .df_stop(sprintf("argument %s: it is an option of tables with covariates; give `covariates` (the covariate columns) or drop it",
                     hit[[1]]), call = call)
  }
}

# A model given as an R formula (`~ R1 + R2 + X1*Y` or `Freq ~ .`): its right-hand side.
.df_formula_text <- function(model) {
  if (inherits(model, "formula")) {
    rhs <- model[[length(model)]]
    return(paste(deparse(rhs, width.cutoff = 500L), collapse = " "))
  }
  model
}

# JSON rows (lists of fields) as a data frame: scalars become columns, `levels` an array
# (one column per covariate of `level_names`) or an object (one column per name), other arrays
# are pasted with "; ". Fields missing in some rows are NA there.
.df_rows <- function(rows, level_names = NULL) {
  if (length(rows) == 0L) return(data.frame())
  flat <- lapply(rows, function(r) {
    out <- list()
    for (k in names(r)) {
      v <- r[[k]]
      if (identical(k, "levels") && is.list(v) && !is.null(names(v))) {
        for (n in names(v)) out[[n]] <- .chr(v[[n]])
      } else if (identical(k, "levels") && length(level_names) > 1L) {
        for (i in seq_along(level_names)) out[[level_names[[i]]]] <- .chr(v[[i]])
      } else if (identical(k, "levels")) {
        next
      } else if (is.null(v)) {
        out[k] <- list(NULL)
      } else if (is.list(v) && !is.null(names(v))) {
        next
      } else if (is.list(v)) {
        out[[k]] <- paste(vapply(v, function(x) paste(unlist(x), collapse = ","),
                                 character(1)), collapse = "; ")
      } else {
        out[[k]] <- v
      }
    }
    out
  })
  keys <- unique(unlist(lapply(flat, names)))
  cols <- lapply(keys, function(k) {
    vals <- lapply(flat, function(r) r[[k]])
    if (all(vapply(vals, function(v) is.null(v) || is.numeric(v), logical(1)))) {
      vapply(vals, .num, numeric(1))
    } else if (all(vapply(vals, function(v) is.null(v) || is.logical(v), logical(1)))) {
      vapply(vals, function(v) if (is.null(v)) NA else v, logical(1))
    } else {
      vapply(vals, function(v) if (is.null(v)) NA_character_ else as.character(v),
             character(1))
    }
  })
  names(cols) <- keys
  as.data.frame(cols, stringsAsFactors = FALSE, check.names = FALSE)
}

# The S3 object of an estimate by category from the CLI's JSON.
.df_covariate_estimate <- function(j) {
  iv <- j$interval %||% list()
  by <- lapply(names(j$by), function(k) .df_rows(j$by[[k]], strsplit(k, ":", fixed = TRUE)[[1]]))
  names(by) <- names(j$by)
  changes <- lapply(j$changes, .df_rows)
  obj <- list(
    estimate = .num(j$estimate),
    lower = .num(iv$lower),
    upper = .num(iv$upper),
    level = .num(iv$level),
    interval = .chr(iv$method),
    se = .num(j$estimate_se),
    model = .chr(j$model),
    formula = .chr(j$formula),
    method = .chr(j$method),
    label = .chr(j$label),
    observed = .num(j$observed),
    dark_figure = .num(j$dark_figure),
    lists = unlist(j$lists),
    covariates = stats::setNames(lapply(j$covariates, function(c) unlist(c$levels)),
                                 vapply(j$covariates, function(c) c$name, character(1))),
    by = by,
    changes = changes,
    cells = .df_rows(j$cells),
    error = .chr(j$error),
    warnings = as.character(unlist(j$warnings)),
    json = j
  )
  structure(obj, class = "darkfigure_covariate_estimate")
}

#' @export
print.darkfigure_covariate_estimate <- function(x, ...) {
  cat(sprintf("darkfigure estimate by category (%s): %s\n", x$method, x$label))
  cat(sprintf("  lists: %s; observed %s\n", paste(x$lists, collapse = ", "), .fmt(x$observed)))
  cat(sprintf("  covariates: %s\n", paste(sprintf("%s (%s)", names(x$covariates),
    vapply(x$covariates, paste, character(1), collapse = ", ")), collapse = "; ")))
  if (!identical(x$model, x$label)) cat(sprintf("  model: %s\n", x$model))
  if (is.na(x$estimate)) {
    cat(sprintf("  no estimate: %s\n", x$error))
  } else {
    cat(sprintf("  N = %s", .fmt(x$estimate)))
    if (!is.na(x$se)) cat(sprintf("  (SE %s)", .fmt(x$se, 4)))
    cat("\n")
    if (!is.na(x$lower) || !is.na(x$upper)) {
      cat(sprintf("  %g%% %s interval: %s to %s\n", 100 * x$level, x$interval,
                  .fmt(x$lower), .fmt(x$upper)))
    }
    for (k in names(x$by)) {
      b <- x$by[[k]]
      cat(sprintf("  by %s:\n", k))
      show <- intersect(c(strsplit(k, ":", fixed = TRUE)[[1]], "level", "observed",
                          "estimate", "lower", "upper"), names(b))
      if (grepl(":", k, fixed = TRUE)) show <- setdiff(show, "level")
      tab <- b[, show, drop = FALSE]
      for (n in c("estimate", "lower", "upper")) if (n %in% names(tab)) tab[[n]] <- round(tab[[n]])
      print(tab, row.names = FALSE)
    }
  }
  b <- x$json$bootstrap
  if (!is.null(b)) {
    cat(sprintf("  bootstrap: %d replicates (%s%s), %d failed\n", b$replicates, b$kind,
                if (isTRUE(b$reselected)) ", the rule re-run in each" else "",
                b$failed %||% 0L))
  }
  for (w in x$warnings) cat("  warning:", w, "\n")
  invisible(x)
}

#' @export
as.list.darkfigure_covariate_estimate <- function(x, ...) x$json

#' @export
as.data.frame.darkfigure_covariate_estimate <- function(x, row.names = NULL, optional = FALSE, ...) {
  total <- data.frame(covariate = "Total", level = "all", observed = x$observed,
                      estimate = x$estimate, lower = x$lower, upper = x$upper,
                      stringsAsFactors = FALSE)
  parts <- lapply(names(x$by), function(k) {
    b <- x$by[[k]]
    data.frame(covariate = k, level = b$level, observed = b$observed, estimate = b$estimate,
               lower = b$lower, upper = b$upper, stringsAsFactors = FALSE)
  })
  out <- do.call(rbind, c(list(total), parts))
  if (!is.null(row.names)) rownames(out) <- row.names
  out
}

#' @export
plot.darkfigure_covariate_estimate <- function(x, covariate = NULL, main = NULL, ...) {
  k <- covariate %||% (x$json$options$year %||% names(x$by)[[1]])
  b <- x$by[[k]]
  if (is.null(b)) .df_stop(sprintf("argument covariate = %s: not one of %s", k,
                                   paste(names(x$by), collapse = ", ")))
  i <- seq_len(nrow(b))
  lim <- range(c(0, b$lower, b$upper, b$estimate), na.rm = TRUE, finite = TRUE)
  plot(i, b$estimate, ylim = lim, xaxt = "n", pch = 19, xlab = k, ylab = "N",
       main = main %||% sprintf("%s: estimate by %s", x$label, k), ...)
  axis(1, at = i, labels = b$level)
  segments(i, b$lower, i, b$upper, lwd = 2)
  points(i, b$observed, pch = 4)
  legend("topleft", c("estimate and interval", "observed"), pch = c(19, 4), bty = "n")
  invisible(x)
}

# summarise_lists(covariates = ): counts by level and list.
.df_covariate_summary <- function(j) {
  lists <- vapply(j$lists, function(l) .chr(l$name), character(1))
  by <- do.call(rbind, lapply(j$covariates, function(cv) {
    do.call(rbind, lapply(cv$levels, function(l) {
      row <- data.frame(covariate = cv$name, level = .chr(l$level), observed = .num(l$observed),
                        stringsAsFactors = FALSE)
      for (n in lists) row[[n]] <- .num(l$by_list[[n]])
      row$absent_lists <- paste(unlist(l$absent_lists), collapse = ", ")
      row
    }))
  }))
  structure(list(observed = .num(j$observed),
                 lists = data.frame(name = lists,
                                    size = vapply(j$lists, function(l) .num(l$size), numeric(1)),
                                    stringsAsFactors = FALSE),
                 by = by,
                 cells_observable = .num(j$cells_observable), cells_empty = .num(j$cells_empty),
                 combinations = .num(j$combinations),
                 combinations_empty = .num(j$combinations_empty),
                 warnings = as.character(unlist(j$warnings)), json = j),
            class = "darkfigure_covariate_summary")
}

#' @export
print.darkfigure_covariate_summary <- function(x, ...) {
  cat(sprintf("%s cases observed on %d lists; %s of %s observable cells empty; %s of %s covariate combinations empty\n",
              format(x$observed), nrow(x$lists), format(x$cells_empty),
              format(x$cells_observable), format(x$combinations_empty),
              format(x$combinations)))
  print(x$lists, row.names = FALSE)
  cat("\nBy level:\n")
  print(x$by, row.names = FALSE)
  for (w in x$warnings) cat("warning:", w, "\n")
  invisible(x)
}

#' @export
as.list.darkfigure_covariate_summary <- function(x, ...) x$json

#' @export
as.data.frame.darkfigure_covariate_summary <- function(x, row.names = NULL, optional = FALSE, ...) {
  x$by
}

# sensitivity_report(covariates = ): the table by category.
.df_covariate_report <- function(j) {
  structure(list(rows = .df_rows(j$rows), title = .chr(j$title), model = .chr(j$model),
                 interval = .chr(j$interval), estimate = .num(j$estimate),
                 observed = .num(j$observed), lists = unlist(j$lists),
                 notes = as.character(unlist(j$notes)), error = .chr(j$error),
                 warnings = as.character(unlist(j$warnings)), json = j),
            class = "darkfigure_covariate_report")
}

#' @export
print.darkfigure_covariate_report <- function(x, ...) {
  cat(x$title, "\n", sep = "")
  cat(sprintf("model: %s\ninterval: %s\n\n", x$model, x$interval))
  r <- x$rows
  for (n in intersect(c("hidden", "estimate", "lower", "upper", "change"), names(r))) {
    r[[n]] <- round(r[[n]])
  }
  print(r, row.names = FALSE)
  for (n in x$notes) cat("note:", n, "\n")
  for (w in x$warnings) cat("warning:", w, "\n")
  invisible(x)
}

#' @export
as.list.darkfigure_covariate_report <- function(x, ...) x$json

#' @export
as.data.frame.darkfigure_covariate_report <- function(x, row.names = NULL, optional = FALSE, ...) {
  x$rows
}
