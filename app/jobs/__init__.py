"""Background jobs: long work started by a request (seeding), with its progress and result kept in the database."""
