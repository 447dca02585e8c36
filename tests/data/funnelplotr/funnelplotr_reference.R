# Reference values for spiegelkit's port of FunnelPlotR's overdispersed funnels.
#
# Usage:
#   Rscript funnelplotr_reference.R FUNNELPLOTR_R_DIR QOF_CSV OUT_DIR
#
#   FUNNELPLOTR_R_DIR  directory holding FunnelPlotR's own R/ files (not shipped
#                      with spiegelkit; extract them from the FunnelPlotR repo)
#   QOF_CSV            nhs_qof_prevalence_1920_practice.csv (NHS Digital QOF 2019-20)
#   OUT_DIR            where the CSVs are written
#
# FunnelPlotR's own funnel_plot() is called on every data set; only the plotting
# (draw_plot, which needs ggplot2 >= 3.5.2) and the ggplot check in
# validate_funnel_plot are replaced by stubs. Everything numeric (aggregation,
# z-scores, winsorisation/truncation, phi, tau2, the limits lookup and the
# outlier rule) is FunnelPlotR's code.

suppressPackageStartupMessages({
  library(rlang)   # funnel_plot uses quo_name/enquo (imported by FunnelPlotR)
  library(dplyr)
  library(scales)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 3) {
  stop("usage: Rscript funnelplotr_reference.R FUNNELPLOTR_R_DIR QOF_CSV OUT_DIR")
}
src_dir <- args[1]
qof_csv <- args[2]
out_dir <- args[3]
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

for (f in c("aggregate_func.R", "od_adjustment.R", "calculate_limits.R",
            "build_limits_lookup.R", "outliers_func.R", "classes_methods.R",
            "funnel_plot.R")) {
  source(file.path(src_dir, f))
}
# Stubs for the plotting layer only.
draw_plot <- function(...) NULL
validate_funnel_plot <- function(funnelplot) {
  stopifnot(is.data.frame(funnelplot$aggregated_data),
            is.numeric(funnelplot$phi), is.numeric(funnelplot$tau2))
}

# ---------------------------------------------------------------------------
# Input data (all from the QOF 2019-20 practice file, or simulated from it)
# ---------------------------------------------------------------------------
qof <- read.csv(qof_csv, stringsAsFactors = FALSE)
register <- function(code) {
  x <- qof[qof$GROUP_CODE == code, ]
  x[order(x$PRACTICE_CODE), ]
}
af  <- register("AF")    # atrial fibrillation, denominator = total list
chd <- register("CHD")   # coronary heart disease, denominator = total list
dem <- register("DEM")   # dementia, denominator = total list
stopifnot(identical(af$PRACTICE_CODE, chd$PRACTICE_CODE),
          identical(af$PRACTICE_CODE, dem$PRACTICE_CODE),
          all(af$REGISTER <= af$PATIENT_LIST_SIZE))

n_all <- nrow(af)
sub50 <- round(seq(1, n_all, length.out = 50))        # 50 practices, evenly spaced in code order
region_a <- which(substr(chd$PRACTICE_CODE, 1, 1) == "A")  # ODS prefix A (North East / Cumbria)
region_b <- which(substr(chd$PRACTICE_CODE, 1, 1) == "B")  # ODS prefix B (Yorkshire)

# Expected = list size x national (England) prevalence, rounded to 2 dp so that
# FunnelPlotR's default SHMI_rounding = TRUE is a no-op.
prev_chd <- sum(chd$REGISTER) / sum(chd$PATIENT_LIST_SIZE)
prev_dem <- sum(dem$REGISTER) / sum(dem$PATIENT_LIST_SIZE)
prev_af  <- sum(af$REGISTER) / sum(af$PATIENT_LIST_SIZE)
exp_chd <- round(chd$PATIENT_LIST_SIZE * prev_chd, 2)
exp_dem <- round(dem$PATIENT_LIST_SIZE * prev_dem, 2)

set.seed(20200401)
sim_poisson <- rpois(length(region_b), exp_dem[region_b])
set.seed(20200402)
sim_binom <- rbinom(length(region_b), af$PATIENT_LIST_SIZE[region_b], prev_af)

datasets <- list(
  pr_af_all = list(
    id = af$PRACTICE_CODE, num = af$REGISTER, den = af$PATIENT_LIST_SIZE,
    data_type = "PR", sr_method = "SHMI", statistic = "proportion", transform = "arcsine",
    source = "QOF 2019-20 AF register / total list size, all 6,720 practices"),
  pr_af_50 = list(
    id = af$PRACTICE_CODE[sub50], num = af$REGISTER[sub50], den = af$PATIENT_LIST_SIZE[sub50],
    data_type = "PR", sr_method = "SHMI", statistic = "proportion", transform = "arcsine",
    source = "QOF 2019-20 AF register / total list size, 50 practices evenly spaced in code order"),
  sr_log_chd_regA = list(
    id = chd$PRACTICE_CODE[region_a], num = chd$REGISTER[region_a], den = exp_chd[region_a],
    data_type = "SR", sr_method = "SHMI", statistic = "ratio", transform = "log",
    source = "QOF 2019-20 CHD register vs list size x England CHD prevalence, practices with ODS prefix A"),
  sr_log_chd_50 = list(
    id = chd$PRACTICE_CODE[sub50], num = chd$REGISTER[sub50], den = exp_chd[sub50],
    data_type = "SR", sr_method = "SHMI", statistic = "ratio", transform = "log",
    source = "QOF 2019-20 CHD register vs list size x England CHD prevalence, same 50 practices as pr_af_50"),
  sr_sqrt_chd_regA = list(
    id = chd$PRACTICE_CODE[region_a], num = chd$REGISTER[region_a], den = exp_chd[region_a],
    data_type = "SR", sr_method = "CQC", statistic = "ratio", transform = "sqrt",
    source = "as sr_log_chd_regA, CQC (square-root, winsorised) method"),
  sim_poisson_log = list(
    id = dem$PRACTICE_CODE[region_b], num = sim_poisson, den = exp_dem[region_b],
    data_type = "SR", sr_method = "SHMI", statistic = "ratio", transform = "log",
    source = "simulated O ~ Poisson(E), E = list size x England DEM prevalence, ODS prefix B, set.seed(20200401)"),
  sim_poisson_sqrt = list(
    id = dem$PRACTICE_CODE[region_b], num = sim_poisson, den = exp_dem[region_b],
    data_type = "SR", sr_method = "CQC", statistic = "ratio", transform = "sqrt",
    source = "as sim_poisson_log, CQC method"),
  sim_binom_pr = list(
    id = af$PRACTICE_CODE[region_b], num = sim_binom, den = af$PATIENT_LIST_SIZE[region_b],
    data_type = "PR", sr_method = "SHMI", statistic = "proportion", transform = "arcsine",
    source = "simulated X ~ Binomial(list size, England AF prevalence), ODS prefix B, set.seed(20200402)"),
  # Hand-made edge cases (synthetic, 20 and 10 units).
  edge_pr_grid = list(
    id = sprintf("U%02d", 1:20),
    num = c(80, 20, 49, 15, 30, 10, 20, 9, 17, 6, 9, 9, 5, 6, 3, 4, 3, 3, 0, 1),
    den = c(1000, 800, 650, 500, 420, 380, 300, 260, 240, 200, 180, 150, 120,
            100, 90, 80, 70, 60, 19.1, 19.6),
    data_type = "PR", sr_method = "SHMI", statistic = "proportion", transform = "arcsine",
    source = paste("synthetic: unit U19 (n = 19.1) lies just below the size where the",
                   "arcsine-scale lower 95% limit crosses 0; FunnelPlotR's monotonicity",
                   "fix on its lookup grid keeps sin^2 of a negative angle (> 0) there")),
  edge_sqrt_tau2_unadjusted = list(
    id = sprintf("V%02d", 1:10),
    num = c(84, 88, 92, 96, 100, 102, 105, 110, 114, 119), den = rep(100, 10),
    data_type = "SR", sr_method = "CQC", statistic = "ratio", transform = "sqrt",
    source = "synthetic: (n-1)/n <= phi <= 1, so tau2 > 0 is reported but plain limits are used")
)

# ---------------------------------------------------------------------------
run_one <- function(name, d) {
  stopifnot(!anyDuplicated(d$id))
  if (d$data_type == "SR") stopifnot(all(round(d$den, 2) == d$den))
  input <- data.frame(id = d$id, num = d$num, den = d$den)

  fp <- function(limit) {
    suppressMessages(funnel_plot(input, numerator = num, denominator = den, group = id,
                                 data_type = d$data_type, sr_method = d$sr_method,
                                 trim_by = 0.1, limit = limit, theme = NULL))
  }
  f99 <- fp(99)
  f95 <- fp(95)
  stopifnot(identical(f99$phi, f95$phi), identical(f99$tau2, f95$tau2))

  a <- f99$aggregated_data
  a <- a[match(as.character(d$id), as.character(a$group)), ]   # back to input order
  a95 <- f95$aggregated_data
  a95 <- a95[match(as.character(d$id), as.character(a95$group)), ]
  stopifnot(all(as.character(a$group) == d$id))

  adjusted <- f99$draw_adjusted
  rr <- a$rr
  pick <- function(od, plain) if (adjusted) od else plain
  lim <- data.frame(
    lower_95  = pick(a$OD95LCL, a$LCL95), upper_95  = pick(a$OD95UCL, a$UCL95),
    lower_998 = pick(a$OD99LCL, a$LCL99), upper_998 = pick(a$OD99UCL, a$UCL99))
  # FunnelPlotR's own signed flags against its limits in use (within when
  # lower <= rr <= upper, exactly as outliers_func)
  sflag <- function(lo, hi) ifelse(rr < lo, -1L, ifelse(rr > hi, 1L, 0L))
  fpr_flag_95  <- sflag(lim$lower_95, lim$upper_95)
  fpr_flag_998 <- sflag(lim$lower_998, lim$upper_998)
  stopifnot(all(abs(fpr_flag_998) == a$outlier), all(abs(fpr_flag_95) == a95$outlier))

  # CQC: FunnelPlotR 0.6.0 returns the adjusted limits on the square-root
  # scale (1 -/+ z * sqrt(s^2 + tau2)); see FunnelPlotR issue #33. spiegelkit
  # back-transforms them to the ratio scale: max(0, limit)^2.
  if (d$data_type == "SR" && d$sr_method == "CQC" && adjusted) {
    lim[] <- lapply(lim, function(v) pmax(0, v)^2)
  }

  out <- data.frame(
    id = d$id, observed = d$num, size = d$den, rr = rr,
    z = a$Uzscore, z_trimmed = a$Wuzscore,
    phi = f99$phi, tau2 = f99$tau2, adjusted = adjusted,
    lim,
    plain_lower_95 = a$LCL95, plain_upper_95 = a$UCL95,
    plain_lower_998 = a$LCL99, plain_upper_998 = a$UCL99,
    flag_95 = sflag(lim$lower_95, lim$upper_95),
    flag_998 = sflag(lim$lower_998, lim$upper_998),
    fpr_od_lower_95 = a$OD95LCL, fpr_od_upper_95 = a$OD95UCL,
    fpr_od_lower_998 = a$OD99LCL, fpr_od_upper_998 = a$OD99UCL,
    fpr_flag_95 = fpr_flag_95, fpr_flag_998 = fpr_flag_998
  )
  write.csv(out, file.path(out_dir, paste0(name, ".csv")), row.names = FALSE)

  data.frame(dataset = name, statistic = d$statistic, transform = d$transform,
             data_type = d$data_type, sr_method = if (d$data_type == "SR") d$sr_method else NA,
             n_units = nrow(out), n_used = sum(!is.na(a$Wuzscore)),
             phi = f99$phi, tau2 = f99$tau2, adjusted = adjusted,
             target = if (d$data_type == "PR") sum(d$num) / sum(d$den) else 1,
             n_flag_95 = sum(out$flag_95 != 0), n_flag_998 = sum(out$flag_998 != 0),
             source = d$source)
}

summary_df <- do.call(rbind, Map(run_one, names(datasets), datasets))
write.csv(summary_df, file.path(out_dir, "summary.csv"), row.names = FALSE)
options(width = 200)
print(summary_df[, setdiff(names(summary_df), "source")], digits = 10)
writeLines(c(R.version.string, "", capture.output(sessionInfo())),
           file.path(out_dir, "sessionInfo.txt"))
