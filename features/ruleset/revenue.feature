Feature: Revenue and finance automation
  Billing products follow pricing_models; invoicing, quotes and ERP/CRM connectors follow
  how deals close and which systems the finance team runs.

  Scenario: Sales-led B2B on net terms with Salesforce
    Given the answers:
      | answer             | value      |
      | hq_country         | US         |
      | entity_countries   | US         |
      | customer_countries | US         |
      | customer_type      | businesses |
      | channels           | invoice    |
      | pricing_models     | fixed_recurring |
      | payment_terms      | net_terms  |
      | sales_led_quotes   | true       |
      | crm                | salesforce |
    When the recommendation is evaluated
    Then the products include invoicing, quotes, salesforce_connector, billing, ach_debit, tax
    And the products exclude checkout, klarna

  Scenario: Enterprise on SAP with a Snowflake warehouse
    Given the answers:
      | answer             | value      |
      | hq_country         | DE         |
      | customer_countries | DE         |
      | customer_type      | businesses |
      | channels           | web        |
      | annual_volume_usd  | 250000000  |
      | accrual_accounting | true       |
      | annual_revenue_usd | 900000000  |
      | erp                | sap        |
      | data_warehouse     | snowflake  |
    When the recommendation is evaluated
    Then the products include sap_connector, data_pipeline, revenue_recognition
    And the products exclude sigma, netsuite_connector
    And the derived fact segment is enterprise

  Scenario: AI API with prepaid credits uses Metronome usage billing
    Given the answers:
      | answer             | value                  |
      | hq_country         | US                     |
      | customer_countries | US                     |
      | customer_type      | businesses, consumers  |
      | channels           | web                    |
      | pricing_models     | usage, prepaid_credits |
    When the recommendation is evaluated
    Then the products include usage_billing, billing, customer_portal
    And the risk usage_billing_choice is flagged with severity medium
    And the derived fact recurring_billing is true

  Scenario: One-time seller without accrual accounting gets no revenue stack
    Given the answers:
      | answer             | value     |
      | hq_country         | US        |
      | customer_countries | US        |
      | customer_type      | consumers |
      | channels           | web       |
      | pricing_models     | one_time  |
      | accrual_accounting | false     |
    When the recommendation is evaluated
    Then the products exclude billing, usage_billing, customer_portal, revenue_recognition, invoicing
    And the products include tax
    And the risk tax_registration is flagged with severity high

  Scenario: SaaS selling to European businesses across borders must handle reverse charge
    Given the answers:
      | answer             | value           |
      | hq_country         | NL              |
      | customer_countries | NL, DE, FR, GB  |
      | customer_type      | businesses      |
      | offering_types     | saas            |
      | channels           | web             |
      | pricing_models     | fixed_recurring |
    When the recommendation is evaluated
    Then the products include tax, billing, sepa_debit
    And the risk reverse_charge_b2b is flagged with severity medium
    And the risk tax_registration is flagged

  Scenario: Consumer sales across Europe do not raise reverse charge
    Given the answers:
      | answer             | value          |
      | hq_country         | NL             |
      | customer_countries | NL, DE, FR     |
      | customer_type      | consumers      |
      | offering_types     | physical_goods |
      | channels           | web            |
    When the recommendation is evaluated
    Then the products include tax
    And the risk reverse_charge_b2b is not flagged

  Scenario: UK tour operator selling packages to European travellers keeps the margin scheme with its adviser
    Given the answers:
      | answer             | value           |
      | hq_country         | GB              |
      | customer_countries | GB, IE, DE, FR  |
      | customer_type      | consumers       |
      | industry           | travel          |
      | offering_types     | travel_packages |
      | channels           | web             |
    When the recommendation is evaluated
    Then the products include tax
    And the risk toms_travel_margin is flagged with severity medium

  Scenario: Insurance broker selling premiums across borders gets no Stripe Tax
    Given the answers:
      | answer             | value              |
      | hq_country         | DE                 |
      | customer_countries | DE, AT             |
      | customer_type      | consumers          |
      | industry           | financial_services |
      | offering_types     | insurance          |
      | channels           | web                |
      | pricing_models     | fixed_recurring    |
    When the recommendation is evaluated
    Then the products exclude tax
    And the product tax is excluded
    And the risk tax_not_applicable is flagged with severity low
    And the derived fact non_taxable_only is true

  Scenario: Museum shop selling goods and taking donations codes the donations as non-taxable
    Given the answers:
      | answer             | value                     |
      | hq_country         | US                        |
      | customer_countries | US                        |
      | customer_type      | consumers                 |
      | offering_types     | physical_goods, donations |
      | channels           | web                       |
    When the recommendation is evaluated
    Then the products include tax
    And the risk tax_not_applicable is flagged
    And the risk tax_registration is flagged

