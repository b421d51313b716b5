-- Demo databases for the cdcctl local stack. Run once, as the superuser, by psql:
--   stack.sh:     psql -h 127.0.0.1 -p 5433 -U postgres -d postgres -v ON_ERROR_STOP=1 -f seed.sql
--   compose.yaml: mounted into /docker-entrypoint-initdb.d/
-- Source `inventory` (Debezium PostgresConnector) and sink `target` (Debezium JdbcSinkConnector),
-- both owned by role cdc/cdc. No publication here: the source connector creates it
-- (publication.autocreate.mode=filtered), which works because cdc owns the tables.

CREATE ROLE cdc WITH LOGIN REPLICATION PASSWORD 'cdc';
CREATE DATABASE inventory OWNER cdc;
CREATE DATABASE target OWNER cdc;

\connect inventory
SET ROLE cdc;

CREATE TABLE customers (
  id         serial PRIMARY KEY,
  first_name varchar(255) NOT NULL,
  last_name  varchar(255) NOT NULL,
  email      varchar(255) NOT NULL UNIQUE
);

CREATE TABLE products (
  id          serial PRIMARY KEY,
  name        varchar(255) NOT NULL,
  description varchar(512),
  weight      numeric(10, 3)
);

CREATE TABLE orders (
  id         serial PRIMARY KEY,
  order_date date NOT NULL,
  purchaser  int NOT NULL REFERENCES customers (id),
  quantity   int NOT NULL,
  product_id int NOT NULL REFERENCES products (id)
);

INSERT INTO customers (first_name, last_name, email) VALUES
  ('Sally', 'Thomas', 'sally.thomas@acme.com'),
  ('George', 'Bailey', 'gbailey@foobar.com'),
  ('Edward', 'Walker', 'ed@walker.com'),
  ('Anne', 'Kretchmar', 'annek@noanswer.org');

INSERT INTO products (name, description, weight) VALUES
  ('scooter', 'Small 2-wheel scooter', 3.14),
  ('car battery', '12V car battery', 8.1),
  ('hammer', '12oz carpenter''s hammer', 0.75),
  ('rocks', 'box of assorted rocks', 5.3),
  ('spare tire', '24 inch spare tire', 22.2);

INSERT INTO orders (order_date, purchaser, quantity, product_id) VALUES
  ('2024-01-16', 1, 1, 1),
  ('2024-01-17', 2, 2, 4),
  ('2024-02-19', 2, 2, 2),
  ('2024-02-21', 3, 1, 3);

RESET ROLE;
