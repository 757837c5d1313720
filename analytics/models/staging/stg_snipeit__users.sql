-- People (/users). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('users', 'updated_at_datetime') }}
)

select
    id,
    name as full_name,
    first_name,
    last_name,
    username,
    email,
    employee_num,
    jobtitle,
    manager_id,
    department_id,
    department_name,
    location_id,
    location_name,
    company_id,
    company_name,
    activated,
    vip,
    remote,
    ldap_import,
    {{ snipeit_date('start_date_date') }} as start_date,
    {{ snipeit_date('end_date_date') }} as end_date,
    last_login_datetime as last_login_at,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('users') }},
    _airbyte_extracted_at
from latest
