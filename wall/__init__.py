"""The Guangdong government-cloud wall: the Dash app, its query layer and the plan it tracks."""
