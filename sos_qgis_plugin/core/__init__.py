"""Pure logic of the SOS plugin: records, time, text, statuses, hazards and priority, without QGIS."""
