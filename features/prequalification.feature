Feature: Customer self-serve pre-qualification
  A prospect answers a short questionnaire without an account, gets a fit tier with its
  reasons and a first product recommendation, and can come back later from a private link.

  Scenario: A large SaaS company is sent to a solutions architect
    Given a prospect opens "/start?utm_source=newsletter&utm_campaign=launch"
    When they answer step 1 with business_model "saas", customer_countries "US,DE" and hq_country "US"
    And they answer step 2 with annual volume "25000000", channels "web" and pricing "seat"
    And they finish with company "Acme Cloud", name "Ada Lovelace" and email "ada@acme.example"
    Then the result shows the tier "enterprise"
    And the result recommends "Stripe Checkout" with a one-line rationale
    And the next step is "Book a call"
    And the result page offers a resume link
    And the lead is stored with utm_source "newsletter" and utm_campaign "launch"

  Scenario: A small shop can start right away
    Given a prospect opens "/start"
    When they answer step 1 with business_model "direct_sales", customer_countries "US" and hq_country "US"
    And they answer step 2 with annual volume "40000", channels "web" and pricing "one_time"
    And they finish with company "Corner Shop", name "Sam Shop" and email "sam@shop.example"
    Then the result shows the tier "self_serve"
    And the next step is "Start with Stripe Checkout"

  Scenario: A prospect resumes an unfinished questionnaire from the link
    Given a prospect opens "/start"
    When they answer step 1 with business_model "marketplace", customer_countries "GB,FR" and hq_country "GB"
    And they open their resume link in another browser
    Then they continue at step 2
    And step 1 still shows business_model "marketplace"

  Scenario: An expired link does not open the answers
    Given a prospect opens "/start"
    When they answer step 1 with business_model "saas", customer_countries "US" and hq_country "US"
    And their link is older than 30 days
    And they open their resume link in another browser
    Then they are told the link has expired
