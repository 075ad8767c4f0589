DROP TABLE campaign_recipients;
DROP TABLE campaigns;
DROP TABLE phishing_scenarios;
