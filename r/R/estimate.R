#' Estimate the size of a hidden population
#'
#' See `?estimate_population` (man/estimate_population.Rd) for the arguments.
#' @export
estimate_population <- function(data, model = NULL, select = "stepwise", pthresh = 0.02,
                                nboot = 0, seed = 1234, interval = NULL, level = 0.95,
                                replay = NULL, method = NULL, max_order = NULL, limit = NULL,
                                ntop = NULL, kind = NULL, max_replicates = NULL,
                                calibration_tables = NULL, calibration_interval = NULL,
                                calibration_truth = NULL,
                                classes = NULL, chains = NULL, burnin = NULL, samples = NULL,
                                thinning = NULL, alpha_prior = NULL, until_converged = FALSE,
                                max_sweeps = NULL, label_swaps = TRUE, collapsed_moves = TRUE,
                                delta = NULL, prior = NULL, grid = NULL, max_clique = NULL,
                                top = NULL, work_limit = NULL,
                                lists = NULL, omit = NULL, merge = NULL, format = NULL,
                                list_col = NULL, id_col = NULL, delimiter = NULL,
                                threads = NULL, covariates = NULL, levels = NULL,
                                absent = NULL, missing = NULL, year = NULL,
                                degree_year = NULL, cross = NULL,
                                fixed_model_bootstrap = FALSE) {
  call <- match.call()
  source <- .df_source(substitute(data))
  model <- .df_formula_text(model)
  args <- mget(.df_estimate_args, envir = environment())
  given <- names(call)[-1L]
  if (is.null(covariates)) .df_cov_only(given, call)
  opts <- c(.df_estimate_opts(args, given, call),
            list(seed = if ("seed" %in% given) seed, threads = threads),
            .df_read_opts(lists, omit, merge, format, list_col, id_col, delimiter))
  if (!is.null(replay)) {
    if (is.character(replay) && length(replay) == 1L) {
      if (!file.exists(replay)) .df_stop(sprintf("%s: no such file", replay), call = call)
      opts$replay_path <- normalizePath(replay)
    } else if (is.data.frame(replay)) {
      opts$replay_text <- .df_to_csv(replay)
    } else {
      .df_stop("argument replay: expected a data frame of the list columns, `replicate` and `count`, or the path of such a CSV file", call = call)
    }
  }
  if (!is.null(covariates)) {
    # The CLI's `--covariates` path: no default rule (the fixed model is `main` unless
    # `select` is given), and the covariate options.
    if (!"select" %in% given) opts$select <- NULL
    opts <- c(opts, .df_cov_opts(covariates, levels, absent, missing, call),
              .df_cov_model_opts(year, degree_year, cross, fixed_model_bootstrap))
    res <- .df_run("estimate", data, opts, source = source, call = call)
    obj <- .df_covariate_estimate(res$json)
    if (identical(res$status, "no_estimate")) {
      .df_warn(paste("no estimate:", res$message), class = "darkfigure_no_estimate", call = call)
    }
    return(obj)
  }
  res <- .df_run("estimate", data, opts, source = source, call = call)
  obj <- .df_estimate(res$json, res$extra)
  if (identical(res$status, "no_estimate")) {
    .df_warn(paste("no estimate:", res$message), class = "darkfigure_no_estimate", call = call)
  }
  obj
}

# The arguments of estimate_population that say how to estimate (not: the data, the input
# options, seed, replay, threads) — also the names simulate_coverage's `estimate` takes.
.df_estimate_args <- c(
  "model", "select", "pthresh", "nboot", "interval", "level", "method", "max_order", "limit",
  "ntop", "kind", "max_replicates", "calibration_tables", "calibration_interval",
  "calibration_truth", "classes", "chains", "burnin", "samples", "thinning", "alpha_prior",
  "until_converged", "max_sweeps", "label_swaps", "collapsed_moves", "delta", "prior", "grid", "max_clique", "top",
  "work_limit"
)

# The library's options (by the glue's names) of an estimation: `args` the values of
# .df_estimate_args, `given` the names the user gave. Defaults of the signature stand for
# the CLI's defaults: they are passed on only where the user gave them, so no default is
# ever an error ("no silent options").
.df_estimate_opts <- function(args, given, call = NULL) {
  a <- args
  loglinear <- is.null(a$method) || identical(a$method, "loglinear")
  if (!"select" %in% given) a$select <- if (loglinear && is.null(a$model)) "stepwise"
  if (!"pthresh" %in% given) a$pthresh <- NULL
  nboot <- a$nboot
  if (!is.null(nboot) && (length(nboot) != 1L || !is.numeric(nboot) || is.na(nboot))) {
    .df_stop("argument nboot: expected a number of replicates (0 for none)", call = call)
  }
  if (!is.null(nboot) && nboot == 0) nboot <- NULL
  list(method = a$method, model = a$model, select = a$select, pthresh = a$pthresh,
       max_order = a$max_order, limit = a$limit, interval = a$interval, level = a$level,
       bootstrap = nboot, kind = a$kind, ntop = a$ntop,
       max_replicates = a$max_replicates,
       calibration_tables = a$calibration_tables,
       calibration_interval = a$calibration_interval,
       calibration_truth = a$calibration_truth,
       classes = a$classes, chains = a$chains, burnin = a$burnin, samples = a$samples,
       thinning = a$thinning, alpha_prior = a$alpha_prior,
       until_converged = if (isTRUE(a$until_converged)) TRUE,
       max_sweeps = a$max_sweeps, no_label_swaps = if (isFALSE(a$label_swaps)) TRUE,
       no_collapsed_moves = if (isFALSE(a$collapsed_moves)) TRUE,
       delta = a$delta, prior = a$prior, grid = a$grid, max_clique = a$max_clique,
       top_graphs = a$top, work_limit = a$work_limit)
}

# The S3 object of an estimate from the CLI's JSON.
.df_estimate <- function(j, draws = "") {
  iv <- j$interval %||% list()
  boot <- j$bootstrap
  obj <- list(
    estimate = .num(j$estimate),
    lower = .num(iv$lower),
    upper = .num(iv$upper),
    level = .num(iv$level),
    interval = .chr(iv$method),
    calibration = iv$calibration,
    se = .num(j$estimate_se),
    model = .chr(j$model),
    model_names = .chr(j$model_names),
    method = .chr(j$method),
    label = .chr(j$label),
    observed = .num(j$observed),
    lists = unlist(j$lists),
    error = .chr(j$error),
    replicates = if (!is.null(boot)) vapply(boot$replicate_estimates, .num, numeric(1)),
    draws = if (nzchar(draws)) utils::read.csv(text = draws),
    warnings = as.character(unlist(j$warnings)),
    json = j
  )
  structure(obj, class = "darkfigure_estimate")
}

.fmt <- function(x, digits = 6) {
  ifelse(is.na(x), "NA", trimws(formatC(x, digits = digits, format = "fg", big.mark = ",")))
}

#' @export
print.darkfigure_estimate <- function(x, ...) {
  cat(sprintf("darkfigure estimate (%s): %s\n", x$method, x$label))
  cat(sprintf("  lists: %s; observed %s\n", paste(x$lists, collapse = ", "), .fmt(x$observed)))
  if (!is.na(x$model) && !identical(x$model, x$label)) {
    cat(sprintf("  model: %s  (%s)\n", x$model, x$model_names))
  }
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
    if (!is.null(x$calibration)) {
      c <- x$calibration
      cat(sprintf("  calibrated: the %s interval at nominal %s covers in %s%% (MC SE %s) of %s tables simulated from the fit\n",
                  .chr(c$interval), format(.num(c$nominal_used)),
                  format(round(100 * .num(c$estimated_coverage), 1)),
                  format(round(100 * .num(c$coverage_se), 1)), format(.num(c$tables))))
    }
  }
  if (!is.null(x$replicates)) {
    b <- x$json$bootstrap
    cat(sprintf("  bootstrap: %d replicates (%s), %d failed\n", b$replicates, b$kind,
                b$failed %||% 0L))
  }
  for (w in x$warnings) cat("  warning:", w, "\n")
  invisible(x)
}

#' @export
summary.darkfigure_estimate <- function(object, ...) {
  j <- object$json
  coef <- if (length(j$coefficients)) {
    data.frame(
      term = names(j$coefficients),
      estimate = vapply(j$coefficients, .num, numeric(1)),
      std_error = vapply(names(j$coefficients),
                         function(n) .num(j$standard_errors[[n]]), numeric(1)),
      row.names = NULL, stringsAsFactors = FALSE
    )
  }
  steps <- if (!is.null(j$selection) && length(j$selection$steps)) {
    do.call(rbind, lapply(j$selection$steps, function(s) {
      data.frame(added = .chr(s$added), accepted = isTRUE(s$accepted),
                 p_value = .num(s$p_value), aic = .num(s$aic), stringsAsFactors = FALSE)
    }))
  }
  fit <- c(deviance = .num(j$deviance), df = .num(j$df), aic = .num(j$aic),
           bic = .num(j$bic), dark_figure = .num(j$dark_figure))
  boot <- if (!is.null(j$bootstrap)) {
    b <- j$bootstrap
    list(replicates = b$replicates, failed = b$failed, seed = b$seed, kind = b$kind,
         acceleration = .num(b$acceleration), z0 = .num(b$z0),
         bca = unlist(lapply(b$quantiles, .num)),
         percentile = unlist(lapply(b$percentile, .num)),
         models = if (length(b$models)) do.call(rbind, lapply(b$models, function(m) {
           data.frame(model = .chr(m$model), model_names = .chr(m$model_names),
                      replicates = .num(m$replicates), share = .num(m$share),
                      median = .num(m$median), stringsAsFactors = FALSE)
         })),
         warnings = as.character(unlist(b$warnings)))
  }
  structure(list(estimate = object, coefficients = coef, fit = fit, selection = steps,
                 bootstrap = boot, posterior = j$posterior, options = j$options),
            class = "summary.darkfigure_estimate")
}

#' @export
print.summary.darkfigure_estimate <- function(x, ...) {
  print(x$estimate)
  if (!all(is.na(x$fit))) {
    cat("\nFit:\n")
    print(x$fit)
  }
  if (!is.null(x$coefficients)) {
    cat("\nCoefficients:\n")
    print(x$coefficients, row.names = FALSE)
  }
  if (!is.null(x$selection)) {
    cat(sprintf("\nSelection (%s):\n", x$estimate$json$selection$method))
    print(x$selection, row.names = FALSE)
  }
  if (!is.null(x$bootstrap)) {
    b <- x$bootstrap
    cat(sprintf("\nBootstrap: %d replicates (%s, seed %s), %d failed; a = %.4g, z0 = %.4g\n",
                b$replicates, b$kind, format(b$seed %||% "none"), b$failed %||% 0L,
                b$acceleration, b$z0))
    cat("BCa limits:\n")
    print(b$bca)
    if (!is.null(b$models)) {
      cat("Models chosen in the replicates:\n")
      print(utils::head(b$models, 10), row.names = FALSE)
    }
    for (w in b$warnings) cat("warning:", w, "\n")
  }
  if (!is.null(x$posterior)) {
    p <- x$posterior
    cat(sprintf("\nPosterior: median %s, mean %s, sd %s\n", .fmt(.num(p$median)),
                .fmt(.num(p$mean)), .fmt(.num(p$sd), 4)))
    if (length(p$quantiles)) print(unlist(lapply(p$quantiles, .num)))
  }
  invisible(x)
}

#' @export
as.list.darkfigure_estimate <- function(x, ...) x$json

#' @export
as.data.frame.darkfigure_estimate <- function(x, row.names = NULL, optional = FALSE, ...) {
  data.frame(method = x$method, label = x$label, model = x$model,
             model_names = x$model_names, observed = x$observed, estimate = x$estimate,
             se = x$se, interval = x$interval, level = x$level, lower = x$lower,
             upper = x$upper, row.names = row.names, stringsAsFactors = FALSE)
}

#' @export
plot.darkfigure_estimate <- function(x, main = NULL, ...) {
  j <- x$json
  title <- main %||% sprintf("%s: %s", x$method, x$label)
  mark <- function() {
    abline(v = x$estimate, lwd = 2)
    abline(v = c(x$lower, x$upper), lty = 2)
  }
  if (!is.null(x$replicates)) {
    r <- x$replicates[is.finite(x$replicates)]
    hist(r, breaks = "FD", main = title, xlab = "N (bootstrap replicates)", col = "grey85",
         border = "grey60", ...)
    mark()
  } else if (!is.null(j$posterior$pmf) && length(j$posterior$pmf)) {
    n <- vapply(j$posterior$pmf, function(p) .num(p[[1]]), numeric(1))
    pmf <- vapply(j$posterior$pmf, function(p) .num(p[[2]]), numeric(1))
    keep <- n <= max(x$upper * 1.5, x$observed + 10, na.rm = TRUE)
    n <- n[keep]
    pmf <- pmf[keep]
    plot(n, pmf, type = "h", main = title, xlab = "N", ylab = "posterior probability", ...)
    mark()
  } else if (!is.null(x$draws)) {
    hist(x$draws$N, breaks = "FD", main = title, xlab = "N (posterior draws)",
         col = "grey85", border = "grey60", ...)
    mark()
  } else {
    lim <- range(c(x$lower, x$upper, x$estimate, x$observed), na.rm = TRUE)
    plot(x$estimate, 1, xlim = lim, yaxt = "n", ylab = "", xlab = "N", main = title,
         pch = 19, ...)
    segments(x$lower, 1, x$upper, 1, lwd = 2)
    abline(v = x$observed, lty = 3)
  }
  invisible(x)
}
