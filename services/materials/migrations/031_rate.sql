-- The exemption rate (issue 14, item 6) reads the last resolution of each application of each department: this index
-- serves that DISTINCT ON without a sort of the whole table.
CREATE INDEX resolutions_last_per_application
  ON materials.resolutions (resolved_by, application_id, resolved_at DESC, id DESC);
