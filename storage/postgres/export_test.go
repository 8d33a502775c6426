package postgres

// OpenDB is openDB, for the driver's tests.
var OpenDB = openDB
