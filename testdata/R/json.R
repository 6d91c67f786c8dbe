# Minimal JSON writer with full double precision ("%.17g", round-trips
# exactly in any correctly rounding parser). jsonlite's digits = NA only
# writes 15 significant digits, which is why this exists.
#
# Conventions:
#   NULL, NA                     -> null
#   length-1 atomic              -> scalar
#   other atomic, or I(x)        -> array
#   matrix                       -> array of rows
#   named list                   -> object (key order kept)
#   unnamed list                 -> array
json_str <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  paste0("\"", s, "\"")
}
json_atom <- function(v) {
  if (is.na(v)) return("null")
  if (is.logical(v)) return(if (v) "true" else "false")
  if (is.character(v)) return(json_str(v))
  if (is.factor(v)) return(json_str(as.character(v)))
  if (is.numeric(v)) {
    if (!is.finite(v)) stop("non-finite number cannot be written as JSON")
    if (v == round(v) && abs(v) < 2^53) return(sprintf("%.0f", v))
    return(sprintf("%.17g", v))
  }
  stop("unsupported type ", class(v))
}
to_json <- function(x, indent = 0) {
  pad <- strrep("  ", indent)
  pad1 <- strrep("  ", indent + 1)
  if (is.null(x)) return("null")
  if (is.matrix(x)) {
    rows <- vapply(seq_len(nrow(x)), function(i) to_json(I(unname(x[i, ])), indent + 1), "")
    if (length(rows) == 0) return("[]")
    return(paste0("[\n", paste0(pad1, rows, collapse = ",\n"), "\n", pad, "]"))
  }
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    vals <- vapply(x, to_json, "", indent = indent + 1)
    if (!is.null(names(x))) {
      body <- paste0(pad1, json_str(names(x)), ": ", vals, collapse = ",\n")
      return(paste0("{\n", body, "\n", pad, "}"))
    }
    return(paste0("[\n", paste0(pad1, vals, collapse = ",\n"), "\n", pad, "]"))
  }
  force_array <- inherits(x, "AsIs")
  x <- unclass(x)
  if (length(x) == 1 && !force_array) return(json_atom(x))
  paste0("[", paste(vapply(as.list(x), json_atom, ""), collapse = ", "), "]")
}
write_json_file <- function(x, path) {
  con <- file(path, "wb")
  writeLines(to_json(x), con, sep = "\n")
  close(con)
}
