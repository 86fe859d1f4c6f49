"""The input contract and its reading: table schemas as data (`schema`), reading a data folder
into typed frames with a quarantine (`reading`), the row checks it runs (`checks`) and the
normalisers of names, postcodes and NINOs (`clean`)."""
