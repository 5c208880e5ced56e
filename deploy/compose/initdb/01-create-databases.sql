-- Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d).
-- One database per service, owned by the application role l2c (POSTGRES_USER).
CREATE DATABASE l2c_lead OWNER l2c;
CREATE DATABASE l2c_deal OWNER l2c;
CREATE DATABASE l2c_cpq OWNER l2c;
CREATE DATABASE l2c_contract OWNER l2c;
CREATE DATABASE l2c_billing OWNER l2c;
CREATE DATABASE l2c_ar OWNER l2c;
