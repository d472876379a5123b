"""The relay (镇汇总上报): a town workspace made by the district, the bundle a town sends up, and its intake."""
