Feature: Embedded finance and other products
  Issuing, Treasury (financial accounts), Capital and Financial Connections are regional and
  approval-gated; Atlas and Climate answer specific needs.

  Scenario: US fintech platform with cards, balances, lending and bank linking
    Given the answers:
      | answer                 | value   |
      | hq_country             | US      |
      | business_model         | fintech |
      | customer_type          | businesses |
      | offers_cards           | true    |
      | holds_customer_funds   | true    |
      | offers_financing       | true    |
      | verifies_bank_accounts | true    |
    When the recommendation is evaluated
    Then the products include issuing, treasury, capital, financial_connections, connect
    And the risk embedded_finance_gated is flagged with severity high
    And the derived fact is_platform is true

  Scenario: Embedded finance outside the supported countries is explained away
    Given the answers:
      | answer               | value   |
      | hq_country           | BR      |
      | business_model       | fintech |
      | offers_cards         | true    |
      | holds_customer_funds | true    |
      | offers_financing     | true    |
    When the recommendation is evaluated
    Then the products exclude issuing, treasury, capital
    And the product issuing is excluded
    And the product treasury is excluded
    And the product capital is excluded
    And the risk embedded_finance_gated is not flagged

  Scenario: UK company issuing expense cards to employees
    Given the answers:
      | answer       | value |
      | hq_country   | GB    |
      | offers_cards | true  |
    When the recommendation is evaluated
    Then the products include issuing
    And the products exclude treasury, connect
    And the risk embedded_finance_gated is flagged

  Scenario: Founders without a company who care about climate
    Given the answers:
      | answer             | value     |
      | incorporated       | false     |
      | climate_commitment | true      |
      | annual_volume_usd  | 50000     |
      | channels           | web       |
    When the recommendation is evaluated
    Then the products include atlas, climate, checkout, radar
    And the derived fact segment is startup

  Scenario: Incorporated companies do not get Atlas
    Given the answers:
      | answer       | value |
      | incorporated | true  |
      | channels     | web   |
    When the recommendation is evaluated
    Then the products exclude atlas, climate
