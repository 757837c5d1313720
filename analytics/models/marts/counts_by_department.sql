-- Per department: its people and the assets and license seats checked out to them (Snipe-IT has no department on
-- an asset: it is the assignee's). Two more rows, when they count anything: '(no department)' for people without
-- one (and what is checked out to them), '(unknown department)' for a department that is not in the departments
-- table, or an assignee who is not in the users table (deleted since). A count is null when its stream was not
-- synced.
-- What is counted, and from which streams: snipeit_counts_by_spec('department') in macros/snipeit_counts_by.sql.
{{ snipeit_counts_by('department') }}
