Feature: Local payment methods
  Local methods follow customer_countries: consumer methods only for consumers, bank debits
  for B2B and recurring collection, and the caveats each method brings.

  Scenario: Consumers in Brazil without a Brazilian entity
    Given the answers:
      | answer             | value     |
      | hq_country         | US        |
      | entity_countries   | US        |
      | customer_countries | BR        |
      | customer_type      | consumers |
      | channels           | web       |
    When the recommendation is evaluated
    Then the products include pix, boleto
    And the risk boleto_local_entity is flagged with severity high
    And the risk async_payment_webhooks is flagged

  Scenario: Brazilian entity selling at home has no Boleto entity caveat
    Given the answers:
      | answer             | value      |
      | hq_country         | BR         |
      | entity_countries   | BR         |
      | customer_countries | BR         |
      | customer_type      | businesses |
      | channels           | web        |
    When the recommendation is evaluated
    Then the products include pix, boleto
    And the risk boleto_local_entity is not flagged

  Scenario: Consumers in Mexico can pay cash with OXXO
    Given the answers:
      | answer             | value     |
      | hq_country         | MX        |
      | customer_countries | MX        |
      | customer_type      | consumers |
      | channels           | web       |
      | pricing_models     | one_time  |
    When the recommendation is evaluated
    Then the products include oxxo, checkout
    And the risk voucher_expiry is flagged with severity low
    And the risk async_payment_webhooks is flagged

  Scenario: Subscription app for Japanese consumers gets Konbini with its recurring caveat
    Given the answers:
      | answer             | value                     |
      | hq_country         | JP                        |
      | customer_countries | JP                        |
      | customer_type      | consumers                 |
      | channels           | web                       |
      | pricing_models     | one_time, fixed_recurring |
    When the recommendation is evaluated
    Then the products include konbini, billing
    And the risk konbini_no_recurring is flagged
    And the risk voucher_expiry is flagged

  Scenario: Selling to Chinese consumers adds WeChat Pay
    Given the answers:
      | answer             | value     |
      | hq_country         | SG        |
      | customer_countries | CN, SG    |
      | customer_type      | consumers |
      | channels           | web       |
    When the recommendation is evaluated
    Then the products include wechat_pay, tax

  Scenario: UK subscription business collects by Bacs Direct Debit
    Given the answers:
      | answer             | value           |
      | hq_country         | GB              |
      | entity_countries   | GB              |
      | customer_countries | GB              |
      | customer_type      | consumers       |
      | channels           | web             |
      | pricing_models     | fixed_recurring |
    When the recommendation is evaluated
    Then the products include bacs_debit, billing, customer_portal
    And the risk bacs_mandate_notices is flagged
    And the product bacs_debit is not excluded

  Scenario: Bacs Direct Debit needs a UK account
    Given the answers:
      | answer             | value      |
      | hq_country         | US         |
      | entity_countries   | US         |
      | customer_countries | GB, US     |
      | customer_type      | businesses |
      | channels           | web        |
      | pricing_models     | seat       |
    When the recommendation is evaluated
    Then the products include ach_debit, financial_connections
    And the products exclude bacs_debit
    And the product bacs_debit is excluded
    And the risk ach_return_risk is flagged

  Scenario: ACH Direct Debit needs a US account
    Given the answers:
      | answer             | value      |
      | hq_country         | DE         |
      | entity_countries   | DE         |
      | customer_countries | DE, US     |
      | customer_type      | businesses |
      | channels           | invoice    |
      | payment_terms      | net_terms  |
    When the recommendation is evaluated
    Then the products include sepa_debit, invoicing
    And the product ach_debit is excluded
    And the risk sepa_settlement_delay is flagged

  Scenario: Australian fashion brand offers Afterpay
    Given the answers:
      | answer              | value     |
      | hq_country          | AU        |
      | customer_countries  | AU, NZ    |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 70        |
    When the recommendation is evaluated
    Then the products include afterpay_clearpay, checkout
    And the risk afterpay_restrictions is flagged

  Scenario: US seller of large baskets offers Klarna and Afterpay
    Given the answers:
      | answer              | value     |
      | hq_country          | US        |
      | customer_countries  | US        |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 450       |
    When the recommendation is evaluated
    Then the products include klarna, afterpay_clearpay
    And the risk afterpay_restrictions is flagged

  Scenario: Afterpay is explained away for a seller outside its domestic markets
    Given the answers:
      | answer              | value     |
      | hq_country          | DE        |
      | customer_countries  | DE, GB    |
      | customer_type       | consumers |
      | channels            | web       |
      | avg_transaction_usd | 300       |
    When the recommendation is evaluated
    Then the products include klarna
    And the product afterpay_clearpay is excluded

  Scenario: Pure B2B seller never gets consumer-only methods
    Given the answers:
      | answer             | value              |
      | hq_country         | US                 |
      | customer_countries | BE, NL, MX, JP, CN |
      | customer_type      | businesses         |
      | channels           | web                |
    When the recommendation is evaluated
    Then the products exclude ideal, bancontact, oxxo, konbini, wechat_pay, klarna
    And the product bancontact is excluded
    And the product oxxo is excluded
    And the product konbini is excluded
    And the product wechat_pay is excluded
    And the product ideal is excluded
    And the products include sepa_debit
    And the derived fact b2b_only is true

  Scenario: Consumer and business seller in Belgium keeps Bancontact
    Given the answers:
      | answer             | value                 |
      | hq_country         | BE                    |
      | customer_countries | BE                    |
      | customer_type      | consumers, businesses |
      | channels           | web                   |
    When the recommendation is evaluated
    Then the products include bancontact, sepa_debit
    And the product bancontact is not excluded
